#include "util/yaml_input.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "util/text.h"

namespace fs = std::filesystem;

namespace lpsim {

namespace {

// Walks yaml-cpp's parse events once, before the document is built, and rejects what the node API cannot
// report: duplicate keys (yaml-cpp keeps one value silently), non-scalar keys, excessive depth or size.
class Checker : public YAML::EventHandler {
 public:
  Checker(const std::string& file, const YamlLimits& limits) : file_(file), limits_(limits) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1)
      fail(mark, "", "a second YAML document ('---'); lpsim reads one document per file");
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { leaf(mark, nullptr, "nothing"); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { leaf(mark, nullptr, "an alias (*name)"); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string& value) override {
    leaf(mark, &value, "");
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open(mark, false);
  }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    open(mark, true);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    bool map = false;
    bool want_key = true;    // map: the next node is a key
    std::string key;         // map: the key whose value comes next
    size_t index = 0;        // list: index of the next element
    std::map<std::string, int> seen;  // map: key -> line of its first occurrence
  };

  std::string path() const {
    std::string p;
    for (const Frame& f : stack_) {
      if (f.map) {
        if (f.want_key) break;  // the path ends at the mapping itself
        p += (p.empty() ? "" : ".") + f.key;
      } else {
        p += "[" + std::to_string(f.index) + "]";
      }
    }
    return p;
  }

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& key, const std::string& what) const {
    throw_input_error(Location{file_, mark.line >= 0 ? mark.line + 1 : 0, key}, what);
  }

  void count(const YAML::Mark& mark) {
    if (++nodes_ > limits_.max_nodes)
      fail(mark, path(), "more than " + std::to_string(limits_.max_nodes) + " YAML nodes; lpsim inputs are far smaller");
  }

  // A node that is not a collection. In key position it must be a scalar.
  void leaf(const YAML::Mark& mark, const std::string* scalar, const char* kind) {
    count(mark);
    if (!stack_.empty() && stack_.back().map && stack_.back().want_key) {
      Frame& f = stack_.back();
      if (!scalar) fail(mark, path(), std::string("a key must be a plain name, got ") + kind);
      auto [it, fresh] = f.seen.emplace(*scalar, mark.line + 1);
      std::string here = path();
      here += (here.empty() ? "" : ".") + excerpt(*scalar);
      if (!fresh)
        fail(mark, here, "duplicate key '" + excerpt(*scalar) + "' (first at line " + std::to_string(it->second) +
                             "); YAML would keep only one of them: remove or merge one");
      f.key = excerpt(*scalar);
      f.want_key = false;
      return;
    }
    done_value();
  }

  void open(const YAML::Mark& mark, bool map) {
    count(mark);
    if (!stack_.empty() && stack_.back().map && stack_.back().want_key)
      fail(mark, path(), std::string("a key must be a plain name, got ") + (map ? "a mapping" : "a list"));
    if (static_cast<int>(stack_.size()) >= limits_.max_depth)
      fail(mark, excerpt(path(), 60), "nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    Frame f;
    f.map = map;
    stack_.push_back(std::move(f));
  }

  void close() {
    stack_.pop_back();
    done_value();
  }

  // A complete value was read at the top of the stack: a map value (next comes a key) or a list element.
  void done_value() {
    if (stack_.empty()) return;
    Frame& f = stack_.back();
    if (f.map) f.want_key = true;
    else ++f.index;
  }

  const std::string& file_;
  const YamlLimits& limits_;
  std::vector<Frame> stack_;
  size_t nodes_ = 0;
  int documents_ = 0;
};

[[noreturn]] void syntax_error(const std::string& file, const YAML::Exception& e) {
  throw_input_error(Location{file, e.mark.line >= 0 ? e.mark.line + 1 : 0, ""},
                    "YAML syntax error: " + excerpt(e.msg, 120));
}

}  // namespace

YAML::Node load_yaml_text(const std::string& text, const std::string& file, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes)
    throw_input_error(Location{file, 0, ""}, "file of " + std::to_string(text.size()) + " bytes is larger than the " +
                                                 std::to_string(limits.max_bytes >> 20) + " MiB lpsim reads as YAML");
  try {
    std::istringstream is(text);
    YAML::Parser parser(is);
    Checker checker(file, limits);
    while (parser.HandleNextDocument(checker)) {
    }
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    syntax_error(file, e);
  }
}

YAML::Node load_yaml_file(const std::string& path, const YamlLimits& limits) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw_input_error(Location{path, 0, ""}, fs::exists(path, ec) ? "cannot read: not a regular file"
                                                                  : "cannot read: no such file");
  const auto size = fs::file_size(path, ec);
  if (!ec && size > limits.max_bytes)
    throw_input_error(Location{path, 0, ""}, "file of " + std::to_string(size) + " bytes is larger than the " +
                                                 std::to_string(limits.max_bytes >> 20) + " MiB lpsim reads as YAML");
  std::ifstream is(path, std::ios::binary);
  if (!is) throw_input_error(Location{path, 0, ""}, "cannot read: permission denied");
  std::ostringstream ss;
  ss << is.rdbuf();
  return load_yaml_text(ss.str(), path, limits);
}

int yaml_line(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;
  return n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
}

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return quote_value(n.Scalar());
    default: return "an undefined value";
  }
}

YAML::Node yaml_child(const YAML::Node& map, const std::string& key) {
  if (!map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node& m = map;  // const operator[] never inserts
  return m[key];
}

void expect_map(const YAML::Node& n, const Location& at, const std::string& expected) {
  if (!n.IsMap()) throw_input_error(at, "expected " + expected + ", got " + describe(n));
}
void expect_list(const YAML::Node& n, const Location& at, const std::string& expected) {
  if (!n.IsSequence()) throw_input_error(at, "expected " + expected + ", got " + describe(n));
}
void expect_scalar(const YAML::Node& n, const Location& at, const std::string& expected) {
  if (!n.IsScalar()) throw_input_error(at, "expected " + expected + ", got " + describe(n));
}

}  // namespace lpsim
