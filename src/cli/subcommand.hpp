#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace roofcast::cli {

/// A registered subcommand and the function that runs it once parsed.
struct Subcommand {
  const CLI::App* command = nullptr;
  std::function<int()> run;
};

}  // namespace roofcast::cli
