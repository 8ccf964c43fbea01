// roofcast: the command-line front end. It only wires subcommands to library
// calls and maps error types to exit codes.
#include <exception>
#include <functional>
#include <iostream>
#include <vector>
#include <string>

#include <CLI/CLI.hpp>

#include "analyze.hpp"
#include "calibrate.hpp"
#include "ceilings.hpp"
#include "devices.hpp"
#include "isolate.hpp"
#include "materialize.hpp"
#include "measure.hpp"
#include "micro_model.hpp"
#include "ops.hpp"
#include "predict.hpp"
#include "roofline.hpp"
#include "validate.hpp"
#include "roofcast/build_info.hpp"
#include "roofcast/common/error.hpp"

namespace {

/// Stable exit codes, documented in the README.
enum ExitCode : int {
  kOk = 0,
  kUsage = 2,
  kModel = 3,
  kProfile = 4,
  kRunner = 5,
  kFit = 6,
  kIo = 7,
  kInternal = 70,
};

std::string join_arguments(int argc, char** argv) {
  std::string line;
  for (int i = 0; i < argc; ++i) {
    line += (i > 0 ? " " : "") + std::string(argv[i]);
  }
  return line;
}

int fail(int code, const std::string& message) {
  std::cerr << "roofcast: error: " << message << '\n';
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"roofcast: analytical performance model and roofline estimator for DNN inference"};
  app.set_version_flag("--version", std::string("roofcast ") + roofcast::build_info::kVersion +
                                        " (" + roofcast::build_info::kGitRevision + ")");
  app.require_subcommand(1);
  const std::string command_line = join_arguments(argc, argv);

  const std::vector<roofcast::cli::Subcommand> subcommands = {
      roofcast::cli::setup_analyze(app, command_line),
      roofcast::cli::setup_materialize(app),
      roofcast::cli::setup_ops(app),
      roofcast::cli::setup_predict(app, command_line),
      roofcast::cli::setup_compare(app, command_line),
      roofcast::cli::setup_roofline(app, command_line),
      roofcast::cli::setup_devices(app),
      roofcast::cli::setup_ceilings(app, command_line),
      roofcast::cli::setup_measure(app, command_line),
      roofcast::cli::setup_validate(app, command_line),
      roofcast::cli::setup_isolate(app, command_line),
      roofcast::cli::setup_micro_model(app),
      roofcast::cli::setup_calibrate(app, command_line),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? kOk : kUsage;
  }
  try {
    for (const auto& subcommand : subcommands) {
      if (subcommand.command->parsed()) {
        return subcommand.run();
      }
    }
    return kUsage;
  } catch (const roofcast::UsageError& error) {
    return fail(kUsage, error.what());
  } catch (const roofcast::ModelError& error) {
    return fail(kModel, error.what());
  } catch (const roofcast::ProfileError& error) {
    return fail(kProfile, error.what());
  } catch (const roofcast::RunnerError& error) {
    return fail(kRunner, error.what());
  } catch (const roofcast::FitError& error) {
    return fail(kFit, error.what());
  } catch (const roofcast::IoError& error) {
    return fail(kIo, error.what());
  } catch (const std::exception& error) {
    return fail(kInternal, std::string("internal error: ") + error.what());
  }
}
