#include "isolated_inference.hpp"

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

#include "one_line.hpp"
#include "roofcast/common/error.hpp"

namespace roofcast::graph {
namespace {

bool write_all(int fd, const std::string& bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

/// The child: infer, then send 'K' + the model, or 'E' + the error message.
[[noreturn]] void run_child(int fd, onnx::ModelProto& model,
                            const onnx::ShapeInferenceOptions& options) {
  // A crash here must end this process plainly, not run a parent's handlers
  // (a fuzzer's or a sanitizer's) as if the parent had crashed.
  for (const int signal_number : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
    std::signal(signal_number, SIG_DFL);
  }
  std::string message;
  try {
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
    message = "K" + model.SerializeAsString();
  } catch (const std::exception& error) {
    message = "E" + one_line(error.what());
  }
  const bool ok = write_all(fd, message);
  ::close(fd);
  ::_exit(ok ? 0 : 1);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int number = WTERMSIG(status);
    const char* name = strsignal(number);
    return "signal " + std::to_string(number) + (name != nullptr ? std::string(", ") + name : "");
  }
  return "exit status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

void infer_shapes_isolated(onnx::ModelProto& model, const onnx::ShapeInferenceOptions& options,
                           const std::string& source) {
  int fds[2];
  if (::pipe(fds) != 0) {
    throw ModelError(source + ": cannot create a pipe for shape inference: " + std::strerror(errno));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw ModelError(source + ": cannot fork for shape inference: " + std::strerror(errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(fds[1], model, options);
  }
  ::close(fds[1]);
  std::string reply;
  char buffer[65536];
  while (true) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  const bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!clean_exit || reply.empty()) {
    throw ModelError(source + ": shape inference crashed inside the onnx library (" +
                     describe_status(status) + "); the model is malformed");
  }
  if (reply[0] == 'E') {
    throw ModelError(source + ": shape inference failed: " + reply.substr(1));
  }
  if (reply[0] != 'K' || !model.ParseFromArray(reply.data() + 1, static_cast<int>(reply.size() - 1))) {
    throw ModelError(source + ": shape inference returned an unreadable model");
  }
}

}  // namespace roofcast::graph
