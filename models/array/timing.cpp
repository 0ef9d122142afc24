#include "array/timing.h"

namespace lpsim::model {

const char* to_string(Dataflow d) {
  switch (d) {
    case Dataflow::kOS: return "os";
    case Dataflow::kWS: return "ws";
    case Dataflow::kIS: return "is";
  }
  return "?";
}

const char* operand_name(int op) {
  switch (op) {
    case kIfmap: return "ifmap";
    case kFilter: return "filter";
    case kOfmap: return "ofmap";
    default: return "?";
  }
}

}  // namespace lpsim::model
