#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace roofcast::measure {

/// A child process spoken to in lines over its stdin and stdout; its stderr
/// goes to a log file (kept for error messages). Killed when destroyed.
class ChildProcess {
 public:
  /// Starts `argv` (argv[0] looked up on PATH). RunnerError when it cannot start.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& stderr_log);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  /// Writes one line (a newline is added). False when the child has gone.
  bool write_line(const std::string& line);
  /// The next line, or nullopt on EOF (the child exited) or when `timeout` passes
  /// (`timed_out` says which).
  std::optional<std::string> read_line(std::chrono::milliseconds timeout, bool& timed_out);

  int pid() const { return pid_; }
  /// Kills the child (SIGKILL) and reaps it; returns a description of how it ended.
  std::string kill_and_reap();
  /// Reaps an exited child; describes its exit status ("exited with code 1", "killed by signal 11").
  std::string reap();
  /// The last `lines` lines of its stderr.
  std::string stderr_tail(int lines) const;

 private:
  int pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  bool reaped_ = false;
  std::string buffer_;
  std::filesystem::path stderr_log_;
};

}  // namespace roofcast::measure
