#pragma once

#include <stdexcept>
#include <string>

namespace roofcast {

/// Base of every error the library throws. The message is one line meant for a
/// person: it names the file, node or key at fault. The library never prints
/// and never exits; the CLI maps each subclass to a stable exit code.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A bad command-line value or option combination.
class UsageError : public Error {
 public:
  using Error::Error;
};

/// A model file that cannot be read, parsed, shape-inferred or counted.
class ModelError : public Error {
 public:
  using Error::Error;
};

/// A device profile that is missing, malformed or inconsistent.
class ProfileError : public Error {
 public:
  using Error::Error;
};

/// A runner (runtime backend) that is absent, crashed or timed out.
class RunnerError : public Error {
 public:
  using Error::Error;
};

/// A fit that cannot be made (too few or degenerate points).
class FitError : public Error {
 public:
  using Error::Error;
};

/// File-system trouble: a file that cannot be written, an output that would
/// overwrite something the user has.
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace roofcast
