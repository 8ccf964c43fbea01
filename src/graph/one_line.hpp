#pragma once
// Private to src/graph: library messages folded onto one line for our one-line errors.

#include <algorithm>
#include <string>

namespace roofcast::graph {

inline std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
  }
  return text;
}

}  // namespace roofcast::graph
