#include "roofcast/report/isolation_report.hpp"

#include <cmath>

#include "roofcast/common/units.hpp"
#include "roofcast/report/csv.hpp"
#include "roofcast/report/text_table.hpp"
#include "svg_common.hpp"

namespace roofcast::report {

namespace {

std::string us(double seconds) { return fixed_format(seconds * 1e6, 1); }

/// `part` as a signed per cent of `base` ("+12.3"); "-" without a base.
std::string percent_of(double part, double base) { return base > 0.0 ? signed_percent(part / base) : "-"; }

}  // namespace

void write_isolation_table(std::ostream& out, const IsolationSetup& setup,
                           const std::vector<validate::IsolatedKernel>& kernels) {
  out << "model:   " << setup.model << '\n'
      << "device:  " << setup.device << '\n'
      << "runner:  " << setup.runner << '\n'
      << "network: " << setup.network << '\n'
      << "alone:   each kernel's micro-model behind a " << fixed_format(setup.flush_mib, 0)
      << " MiB cache flush, as calibrate measures its points\n\n";
  TextTable table({{"#"},
                   {"kernel", Align::kLeft, 44},
                   {"class", Align::kLeft},
                   {"network us"},
                   {"alone us"},
                   {"predicted us"},
                   {"error %"},
                   {"model vs alone %"},
                   {"network vs alone %"}});
  double network = 0.0;
  double alone = 0.0;
  double predicted = 0.0;
  std::size_t index = 0;
  for (const auto& k : kernels) {
    if (!k.isolated()) {
      continue;
    }
    ++index;
    network += k.network_s;
    alone += k.alone_s;
    predicted += k.predicted_s;
    table.add_row({std::to_string(index), k.name, k.kernel_class, us(k.network_s), us(k.alone_s), us(k.predicted_s),
                   percent_of(k.predicted_s - k.network_s, k.network_s), percent_of(k.model_s(), k.alone_s),
                   percent_of(-k.context_s(), k.alone_s)});
  }
  table.write(out);
  out << "\nerror: predicted against the network; model vs alone: predicted against the kernel run alone (what "
         "the fitted model gets wrong); network vs alone: how much slower the kernel runs in the network than "
         "alone (the caches and neighbours the network gives it); layout reorders are left out of all three, as "
         "calibration leaves them out of a point\n";
  if (index > 0) {
    const double model = predicted - alone;
    const double context = network - alone;
    out << "these " << index << " kernels: " << us(network) << " us in the network, " << us(alone) << " us alone, "
        << us(predicted) << " us predicted (error " << percent_of(predicted - network, network)
        << " %): the model is " << percent_of(model, alone) << " % against them alone, the network "
        << percent_of(context, alone) << " %; most of the error is "
        << (std::abs(model) >= std::abs(context) ? "the fitted model's" : "the network's around the kernels")
        << '\n';
  }
  bool header = false;
  for (const auto& k : kernels) {
    if (!k.isolated()) {
      if (!header) {
        out << "\nnot run alone:\n";
        header = true;
      }
      out << "  " << k.name << " (" << k.ops << "): " << k.why_not << '\n';
    }
  }
  out << "\nmicro-models (roofcast micro-model SPEC --flush-mib " << fixed_format(setup.flush_mib, 0)
      << " writes each):\n";
  index = 0;
  for (const auto& k : kernels) {
    if (k.isolated()) {
      out << "  " << ++index << "  " << k.spec << '\n';
    }
  }
}

void write_isolation_csv(std::ostream& out, const std::vector<validate::IsolatedKernel>& kernels,
                         const RunContext& context) {
  write_csv_context(out, context, {});
  write_csv_row(out, {"kernel", "ops", "class", "network_s", "alone_s", "predicted_s", "spec", "why_not"});
  for (const auto& k : kernels) {
    write_csv_row(out, {k.name, k.ops, k.kernel_class, svg::general(k.network_s),
                        k.isolated() ? svg::general(k.alone_s) : "", svg::general(k.predicted_s), k.spec,
                        k.why_not});
  }
}

}  // namespace roofcast::report
