#include "ops.hpp"

#include <iostream>

#include "roofcast/graph/cost.hpp"

namespace roofcast::cli {

Subcommand setup_ops(CLI::App& app) {
  auto* command = app.add_subcommand("ops", "List the ONNX op types roofcast can cost");
  return {command, [] {
            const auto ops = graph::supported_op_types();
            for (const auto& op : ops) {
              std::cout << op << '\t' << graph::family_name(graph::op_family(op)) << '\n';
            }
            std::cout << ops.size() << " op types (default ONNX domain)\n";
            return 0;
          }};
}

}  // namespace roofcast::cli
