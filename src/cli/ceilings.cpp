#include "ceilings.hpp"

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "model_options.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/common/hash.hpp"
#include "roofcast/common/units.hpp"
#include "roofcast/measure/ceilings.hpp"
#include "roofcast/report/text_table.hpp"
#include "roofcast/roofline/profile.hpp"

namespace roofcast::cli {
namespace {


std::string size_text(std::int64_t bytes) { return bytes_format(bytes); }

void write_table(std::ostream& out, const measure::CeilingsReport& r) {
  const auto& spec = r.spec;
  out << "cpu:     " << spec.model << " (" << spec.vendor << " family " << spec.cpu_family << "), "
      << spec.logical_cpus << " logical CPUs, " << spec.isa << " (" << spec.isa_lanes
      << " FP32 lanes per instruction, " << spec.datapath_lanes << " per FMA unit per cycle), clock "
      << fixed_format(spec.clock_hz / 1e9, 2) << " GHz from " << spec.clock_source << "\n\n";
  report::TextTable peak({{"peak FP32", report::Align::kLeft},
                          {"measured"},
                          {"specification implies"},
                          {"formula (FMA units assumed)", report::Align::kLeft},
                          {"measured / spec"}});
  for (const int threads : {1, r.threads}) {
    const double measured = threads == 1 ? r.peak_flops_1_thread : r.peak_flops_all;
    const double implied = spec.peak_flops_per_s(threads);
    peak.add_row({std::to_string(threads) + (threads == 1 ? " thread" : " threads"),
                  si_unit(measured, "FLOP/s"), si_unit(implied, "FLOP/s"), spec.formula(threads),
                  implied > 0 ? fixed_format(measured / implied, 2) : "-"});
    if (r.threads == 1) {
      break;
    }
  }
  peak.write(out);

  out << "\nread bandwidth by working set per thread\n";
  report::TextTable sweep({{"working set"}, {"1 thread"}, {std::to_string(r.threads) + " threads"}});
  for (std::size_t i = 0; i < r.sweep_1_thread.size(); ++i) {
    sweep.add_row({size_text(r.sweep_1_thread[i].bytes_per_thread), si_unit(r.sweep_1_thread[i].bytes_per_s, "B/s"),
                   i < r.sweep_all.size() ? si_unit(r.sweep_all[i].bytes_per_s, "B/s") : "-"});
  }
  sweep.write(out);

  out << "\nmemory levels (caches as cpu0 reports them)\n";
  report::TextTable levels({{"level", report::Align::kLeft}, {"1 thread"}, {std::to_string(r.threads) + " threads"}});
  for (const auto& level : r.levels_all) {
    std::string one = "-";
    for (const auto& l : r.levels_1_thread) {
      if (l.level == level.level) {
        one = si_unit(l.bytes_per_s, "B/s");
      }
    }
    levels.add_row({level.level, one, si_unit(level.bytes_per_s, "B/s")});
  }
  levels.write(out);
  if (r.runtime) {
    const auto& rt = *r.runtime;
    double dram = 0.0;
    for (const auto& level : r.levels_all) {
      if (level.level == "dram") {
        dram = level.bytes_per_s;
      }
    }
    out << "\nruntime-attained (" << r.runtime_name << ", " << r.threads << " threads)\n"
        << "  GEMM 1024x1024x1024   " << si_unit(rt.gemm_flops_per_s, "FLOP/s") << " ("
        << fixed_format(100.0 * rt.gemm_flops_per_s / r.peak_flops_all, 1) << " % of the measured peak; median "
        << fixed_format(rt.gemm.median_s * 1e3, 3) << " ms, spread " << fixed_format(100 * rt.gemm.spread(), 1) << " %)\n"
        << "  Add 16x1024x1024      " << si_unit(rt.elementwise_bytes_per_s, "B/s") << " ("
        << (dram > 0 ? fixed_format(100.0 * rt.elementwise_bytes_per_s / dram, 1) : "-")
        << " % of the measured DRAM read bandwidth; median " << fixed_format(rt.elementwise.median_s * 1e3, 3)
        << " ms, spread " << fixed_format(100 * rt.elementwise.spread(), 1) << " %)\n";
  }
}

nlohmann::json report_json(const measure::CeilingsReport& r, const RunContext& context) {
  const auto sweep = [](const std::vector<measure::BandwidthPoint>& points) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& p : points) {
      rows.push_back({{"bytes_per_thread", p.bytes_per_thread}, {"threads", p.threads}, {"bytes_per_s", p.bytes_per_s}});
    }
    return rows;
  };
  const auto levels = [](const std::vector<measure::MemoryLevelBandwidth>& list) {
    nlohmann::json rows = nlohmann::json::object();
    for (const auto& l : list) {
      rows[l.level] = {{"bytes_per_s", l.bytes_per_s}, {"bytes_per_thread", l.bytes_per_thread}};
    }
    return rows;
  };
  nlohmann::json document = {
      {"schema_version", 1},
      {"kind", "roofcast.ceilings"},
      {"context",
       {{"tool_version", context.tool_version}, {"git_revision", context.git_revision},
        {"date_utc", context.date_utc}, {"host_cpu", context.host_cpu},
        {"host_logical_cpus", context.host_logical_cpus}, {"command", context.command}}},
      {"cpu",
       {{"model", r.spec.model}, {"vendor", r.spec.vendor}, {"family", r.spec.cpu_family},
        {"isa", r.spec.isa}, {"isa_lanes", r.spec.isa_lanes}, {"datapath_lanes", r.spec.datapath_lanes},
        {"fma_units_assumed", r.spec.fma_units}, {"clock_hz", r.spec.clock_hz}, {"clock_source", r.spec.clock_source}}},
      {"threads", r.threads},
      {"peak_flops_per_s",
       {{"one_thread", r.peak_flops_1_thread}, {"all_threads", r.peak_flops_all},
        {"spec_one_thread", r.spec.peak_flops_per_s(1)}, {"spec_all_threads", r.spec.peak_flops_per_s(r.threads)}}},
      {"bandwidth_sweep", {{"one_thread", sweep(r.sweep_1_thread)}, {"all_threads", sweep(r.sweep_all)}}},
      {"memory_levels", {{"one_thread", levels(r.levels_1_thread)}, {"all_threads", levels(r.levels_all)}}}};
  if (r.runtime) {
    document["runtime"] = {{"name", r.runtime_name},
                           {"gemm_flops_per_s", r.runtime->gemm_flops_per_s},
                           {"gemm_median_s", r.runtime->gemm.median_s},
                           {"elementwise_bytes_per_s", r.runtime->elementwise_bytes_per_s},
                           {"elementwise_median_s", r.runtime->elementwise.median_s}};
  }
  return document;
}

}  // namespace

Subcommand setup_ceilings(CLI::App& app, const std::string& command_line) {
  auto options = std::make_shared<CeilingsOptions>();
  auto* command = app.add_subcommand(
      "ceilings", "Measure this machine's peak FP32 FLOP/s and memory bandwidth, next to its specification");
  command->add_option("--threads", options->threads, "Threads for the all-core figures (default: every CPU)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--flops-seconds", options->flops_seconds, "Seconds per peak-FLOP/s measurement")
      ->capture_default_str()->check(CLI::PositiveNumber);
  command->add_option("--bandwidth-seconds", options->bandwidth_seconds, "Seconds per working-set size")
      ->capture_default_str()->check(CLI::PositiveNumber);
  command->add_option("--max-mib", options->max_mib, "Largest working set per thread, MiB")
      ->capture_default_str()->check(CLI::Range(1, 65536));
  command->add_option("--clock-ghz", options->clock_ghz,
                      "Clock for the specification formula (default: cpufreq's maximum, else /proc/cpuinfo)")
      ->check(CLI::PositiveNumber);
  command->add_option("--runner", options->runner, "Also measure what this runtime attains (onnxruntime)")
      ->check(CLI::IsMember({"onnxruntime"}));
  command->add_flag("--json", options->json, "Write JSON instead of the tables");
  command->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  command->add_option("--write-profile", options->write_profile,
                      "Also write a device profile with these ceilings (its id is the file name)");
  return {command, [options, command_line] { return run_ceilings(*options, command_line); }};
}

int run_ceilings(const CeilingsOptions& options, const std::string& command_line) {
  if (!options.write_profile.empty() && std::filesystem::exists(options.write_profile)) {
    throw IoError(options.write_profile + ": already exists; remove it or choose another name");
  }
  measure::CeilingsReport report;
  report.spec = measure::read_cpu_spec();
  if (options.clock_ghz > 0.0) {
    report.spec.clock_hz = options.clock_ghz * 1e9;
    report.spec.clock_source = "--clock-ghz";
  }
  report.threads = options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  std::cerr << "measuring peak FP32 FLOP/s (1 and " << report.threads << " threads)...\n";
  report.peak_flops_1_thread = measure::measure_peak_flops(1, options.flops_seconds);
  report.peak_flops_all =
      report.threads == 1 ? report.peak_flops_1_thread : measure::measure_peak_flops(report.threads, options.flops_seconds);
  const std::int64_t max_bytes = std::int64_t{options.max_mib} * 1024 * 1024;
  for (const int threads : {1, report.threads}) {
    std::cerr << "measuring read bandwidth, " << threads << " thread(s), 16 KiB to " << options.max_mib
              << " MiB per thread\n";
    auto progress = [](const measure::BandwidthPoint& p) {
      std::cerr << "  " << bytes_format(p.bytes_per_thread) << ": " << si_unit(p.bytes_per_s, "B/s") << "\r"
                << std::flush;
    };
    auto sweep = measure::measure_bandwidth_sweep(threads, 16 * 1024, max_bytes, options.bandwidth_seconds, progress);
    std::cerr << '\n';
    (threads == 1 ? report.sweep_1_thread : report.sweep_all) = sweep;
    if (report.threads == 1) {
      report.sweep_all = sweep;
      break;
    }
  }
  report.levels_1_thread = measure::bandwidth_levels(report.sweep_1_thread, report.spec);
  report.levels_all = measure::bandwidth_levels(report.sweep_all, report.spec);
  if (options.runner == "onnxruntime") {
    std::cerr << "measuring what ONNX Runtime attains (GEMM, elementwise Add)...\n";
    auto runner = measure::start_onnxruntime_runner();
    report.runtime_name = runner->info().name + " " + runner->info().version;
    measure::MeasurementPolicy policy;
    policy.min_time_s = 2.0;
    const auto work = std::filesystem::temp_directory_path() / "roofcast-ceilings";
    report.runtime = measure::measure_runtime_ceilings(*runner, report.threads, work, policy);
  }
  const RunContext context = current_context(command_line);
  std::ostringstream text;
  if (options.json) {
    text << report_json(report, context).dump(2) << '\n';
  } else {
    write_table(text, report);
  }
  write_output(options.output, text.str());
  if (!options.write_profile.empty()) {
    const std::filesystem::path path(options.write_profile);
    const std::string json = measure::ceilings_profile_json(report, path.stem().string(), context);
    (void)roofline::parse_profile(json, path.string());  // it must load back through the strict parser
    write_file_atomically(path, json);
    std::cerr << "wrote " << path.string() << '\n';
  }
  return 0;
}

}  // namespace roofcast::cli
