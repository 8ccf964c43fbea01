#include <nlohmann/json.hpp>
#include <unistd.h>

#include "child_process.hpp"
#include "roofcast/build_info.hpp"
#include "roofcast/common/error.hpp"
#include "roofcast/measure/runner.hpp"

namespace roofcast::measure {
namespace fs = std::filesystem;
using Json = nlohmann::json;

fs::path default_onnxruntime_runner_dir() {
  if (const char* env = std::getenv("ROOFCAST_RUNNERS_DIR"); env != nullptr && *env != '\0') {
    return fs::path(env) / "onnxruntime";
  }
  return fs::path(build_info::kSourceDir) / "runners" / "onnxruntime";
}

namespace {

std::string install_hint(const fs::path& dir) {
  return "install it with: cd " + dir.string() + " && npm ci --ignore-scripts  (or run bash scripts/setup.sh)";
}

class OnnxRuntimeRunner final : public Runner {
 public:
  explicit OnnxRuntimeRunner(const OnnxRuntimeRunnerOptions& options) : options_(options) {
    const fs::path dir = options.runner_dir.empty() ? default_onnxruntime_runner_dir() : options.runner_dir;
    std::error_code ec;
    if (!fs::is_regular_file(dir / "runner.js", ec)) {
      throw RunnerError(dir.string() + "/runner.js: the ONNX Runtime runner script is missing");
    }
    if (!fs::is_directory(dir / "node_modules" / "onnxruntime-node", ec)) {
      throw RunnerError("onnxruntime-node is not installed in " + dir.string() + "; " + install_hint(dir));
    }
    const fs::path log = options.log_file.empty()
                             ? fs::temp_directory_path() / ("roofcast-onnxruntime-" + std::to_string(::getpid()) + ".log")
                             : options.log_file;
    try {
      child_ = std::make_unique<ChildProcess>(std::vector<std::string>{options.node, (dir / "runner.js").string()}, log);
    } catch (const RunnerError& error) {
      throw RunnerError(std::string(error.what()) + "; the ONNX Runtime runner needs node (apt-get install nodejs) and " +
                        install_hint(dir));
    }
    const Json hello = request({{"op", "hello"}}, options.startup_timeout_s, "starting the runner");
    info_.name = hello.value("runtime", "onnxruntime");
    info_.version = hello.value("version", "unknown");
    info_.execution_provider = hello.value("execution_provider", "cpu");
    info_.host = "node " + hello.value("node", "?");
  }

  ~OnnxRuntimeRunner() override {
    if (child_ && alive_) {
      child_->write_line(Json{{"id", ++next_id_}, {"op", "quit"}}.dump());
      bool timed_out = false;
      child_->read_line(std::chrono::milliseconds(2000), timed_out);
    }
  }

  const RunnerInfo& info() const override { return info_; }

  std::vector<int> worker_pids() const override { return {child_ ? child_->pid() : -1}; }

  RunResult run(const RunRequest& r) override {
    Json inputs = Json::array();
    for (const auto& input : r.inputs) {
      Json entry = {{"name", input.name}, {"dtype", input.dtype}, {"shape", input.shape}};
      if (input.fill) {
        entry["fill"] = *input.fill;
      }
      inputs.push_back(std::move(entry));
    }
    Json message = {
        {"op", "run"},
        {"model", fs::absolute(r.model).string()},
        {"inputs", inputs},
        {"session",
         {{"graph_optimization_level", r.session.graph_optimization_level},
          {"intra_op_threads", r.session.intra_op_threads},
          {"inter_op_threads", r.session.inter_op_threads},
          {"execution_mode", r.session.execution_mode}}},
        {"policy",
         {{"warmup_runs", r.policy.warmup_runs},
          {"min_runs", r.policy.min_runs},
          {"max_runs", r.policy.max_runs},
          {"min_time_s", r.policy.min_time_s},
          {"max_time_s", r.policy.max_time_s}}},
        {"profile", r.profile},
        {"profile_prefix", r.profile_prefix.string()}};
    if (!r.optimized_model_path.empty()) {
      message["optimized_model_path"] = fs::absolute(r.optimized_model_path).string();
    }
    const Json reply = request(message, r.policy.max_time_s + options_.request_slack_s, r.model.string());
    RunResult result;
    result.samples_s = reply.at("samples_s").get<std::vector<double>>();
    result.session_create_s = reply.value("session_create_s", 0.0);
    if (reply.contains("profile_file") && reply.at("profile_file").is_string()) {
      result.profile_file = fs::path(reply.at("profile_file").get<std::string>());
    }
    return result;
  }

 private:
  /// Sends one request and waits for its reply; RunnerError on a runner-side
  /// error (the runner lives on), a timeout or a crash (the runner is gone).
  Json request(Json message, double timeout_s, const std::string& what) {
    if (!alive_) {
      throw RunnerError("the ONNX Runtime runner is no longer running (it failed earlier)");
    }
    const int id = ++next_id_;
    message["id"] = id;
    if (!child_->write_line(message.dump())) {
      alive_ = false;
      throw RunnerError(what + ": the ONNX Runtime runner has exited (" + child_->reap() + "): " +
                        child_->stderr_tail(5));
    }
    for (;;) {
      bool timed_out = false;
      const auto line =
          child_->read_line(std::chrono::milliseconds(static_cast<long long>(timeout_s * 1000)), timed_out);
      if (!line) {
        alive_ = false;
        if (timed_out) {
          const std::string how = child_->kill_and_reap();
          throw RunnerError(what + ": the ONNX Runtime runner did not answer within " +
                            std::to_string(static_cast<int>(timeout_s)) + " s and was stopped (" + how + ")");
        }
        const std::string how = child_->reap();
        throw RunnerError(what + ": the ONNX Runtime runner " + how + ": " + child_->stderr_tail(5));
      }
      Json reply;
      try {
        reply = Json::parse(*line);
      } catch (const Json::parse_error&) {
        continue;  // not a protocol line (a library printing to stdout): skip it
      }
      if (!reply.is_object() || reply.value("id", -1) != id) {
        continue;
      }
      if (!reply.value("ok", false)) {
        throw RunnerError(what + ": ONNX Runtime: " + reply.value("error", std::string("unknown error")));
      }
      return reply;
    }
  }

  OnnxRuntimeRunnerOptions options_;
  std::unique_ptr<ChildProcess> child_;
  RunnerInfo info_;
  int next_id_ = 0;
  bool alive_ = true;
};

}  // namespace

std::unique_ptr<Runner> start_onnxruntime_runner(const OnnxRuntimeRunnerOptions& options) {
  return std::make_unique<OnnxRuntimeRunner>(options);
}

}  // namespace roofcast::measure
