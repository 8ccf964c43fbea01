#include "child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "roofcast/common/error.hpp"

namespace roofcast::measure {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& stderr_log)
    : stderr_log_(stderr_log) {
  int to_child[2];
  int from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) {
    throw RunnerError(std::string("cannot create pipes: ") + std::strerror(errno));
  }
  const int log_fd = ::open(stderr_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw RunnerError(stderr_log.string() + ": cannot open for the runner's log: " + std::strerror(errno));
  }
  std::vector<char*> args;
  for (const auto& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  // Report exec failure through a close-on-exec pipe.
  int exec_status[2];
  if (pipe2(exec_status, O_CLOEXEC) != 0) {
    throw RunnerError(std::string("cannot create pipes: ") + std::strerror(errno));
  }
  pid_ = fork();
  if (pid_ < 0) {
    throw RunnerError(std::string("cannot fork: ") + std::strerror(errno));
  }
  if (pid_ == 0) {
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execvp(args[0], args.data());
    const int error = errno;
    [[maybe_unused]] const auto written = ::write(exec_status[1], &error, sizeof error);
    _exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  ::close(log_fd);
  ::close(exec_status[1]);
  int exec_error = 0;
  const auto got = ::read(exec_status[0], &exec_error, sizeof exec_error);
  ::close(exec_status[0]);
  stdin_fd_ = to_child[1];
  stdout_fd_ = from_child[0];
  if (got == static_cast<ssize_t>(sizeof exec_error)) {
    reap();
    ::close(stdin_fd_);
    ::close(stdout_fd_);
    stdin_fd_ = stdout_fd_ = -1;
    throw RunnerError("cannot run '" + argv.front() + "': " + std::strerror(exec_error));
  }
  signal(SIGPIPE, SIG_IGN);  // a dead child must not kill us on write
}

ChildProcess::~ChildProcess() {
  if (stdin_fd_ >= 0) {
    ::close(stdin_fd_);
  }
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
  }
  if (!reaped_ && pid_ > 0) {
    kill_and_reap();
  }
}

bool ChildProcess::write_line(const std::string& line) {
  std::string data = line + "\n";
  std::size_t done = 0;
  while (done < data.size()) {
    const auto n = ::write(stdin_fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout, bool& timed_out) {
  timed_out = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      return std::nullopt;
    }
    pollfd fd{.fd = stdout_fd_, .events = POLLIN, .revents = 0};
    const int ready = poll(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) {
      return std::nullopt;
    }
    if (ready <= 0) {
      continue;
    }
    char chunk[65536];
    const auto n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return std::nullopt;  // EOF: the child closed its stdout (exited)
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string ChildProcess::reap() {
  if (reaped_ || pid_ <= 0) {
    return "already ended";
  }
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  reaped_ = true;
  if (WIFEXITED(status)) {
    return "exited with code " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return std::string("killed by signal ") + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  }
  return "ended";
}

std::string ChildProcess::kill_and_reap() {
  if (!reaped_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
  }
  return reap();
}

std::string ChildProcess::stderr_tail(int lines) const {
  std::ifstream in(stderr_log_);
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(line);
    if (static_cast<int>(tail.size()) > lines) {
      tail.pop_front();
    }
  }
  std::string text;
  for (const auto& l : tail) {
    text += (text.empty() ? "" : " | ") + l;
  }
  return text;
}

}  // namespace roofcast::measure
