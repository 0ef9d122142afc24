#include "sweep/runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "sweep/results.h"
#include "util/output_files.h"
#include "util/text.h"

extern char** environ;

namespace fs = std::filesystem;

namespace lpsim::sweep {

std::string self_exe() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find the lpsim executable (/proc/self/exe): " + ec.message());
  return p.string();
}

int spawn_quiet(const std::string& exe, const std::vector<std::string>& args, const std::string& stderr_path,
                pid_t* pid) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(exe.c_str()));
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int rc = posix_spawn(pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc;
}

std::string point_dir(const std::string& out_dir, const Point& p) {
  return (fs::path(out_dir) / "points" / p.id).string();
}

Row base_row(const Point& p) {
  Row r;
  r["point"] = std::to_string(p.index);
  r["id"] = p.id;
  for (const auto& c : p.columns) r[c.first] = c.second;
  return r;
}

std::optional<Row> read_point_row(const std::string& out_dir, const Point& p) {
  std::string path = (fs::path(point_dir(out_dir, p)) / "row.csv").string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  try {
    Table t = read_table(path);
    if (t.rows.size() == 1 && t.rows[0]["id"] == p.id) return t.rows[0];
  } catch (const InputError&) {
    // A damaged row.csv only means the point runs again.
  }
  return std::nullopt;
}

std::string render_results(const std::vector<std::string>& axis_columns, std::vector<Row> rows,
                           const std::vector<std::string>& order) {
  sort_rows(rows);
  Table t;
  t.columns = result_columns(axis_columns, rows, order);
  t.rows = std::move(rows);
  return render_table(t);
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream is(path, std::ios::binary);
  std::stringstream ss;
  ss << is.rdbuf();
  return ss.str();
}

// The failure message of a child: its last non-empty stderr line, without main()'s "error: " prefix.
std::string last_line(const std::string& text) {
  std::stringstream ss(text);
  std::string line, last;
  while (std::getline(ss, line))
    if (!trim(line).empty()) last = trim(line);
  const std::string kPrefix = "error: ";
  if (last.compare(0, kPrefix.size(), kPrefix) == 0) last = last.substr(kPrefix.size());
  return last;
}

Row finish(const Spec& s, const Point& p, const std::string& out_dir, int status, double wall,
           std::vector<std::string>& order, const std::string& spawn_error) {
  std::string dir = point_dir(out_dir, p);
  Row row = base_row(p);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", wall);
  row["wall_s"] = buf;
  std::string err = spawn_error;
  if (err.empty() && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    try {
      std::string json = slurp((fs::path(dir) / "report.json").string());
      if (json.empty()) throw std::runtime_error("report.json is missing or empty");
      for (auto& kv : metrics_from_report_json(json, &order)) row[kv.first] = kv.second;
    } catch (const std::exception& e) {
      err = e.what();
    }
  } else if (err.empty() && WIFEXITED(status)) {
    err = last_line(slurp((fs::path(dir) / "stderr.txt").string()));
    std::string code = "lpsim run exited with code " + std::to_string(WEXITSTATUS(status));
    err = err.empty() ? code : err;
  } else if (err.empty()) {
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    err = "lpsim run was killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  row["status"] = err.empty() ? "ok" : "failed";
  row["error"] = err;
  write_file_atomic((fs::path(dir) / "row.csv").string(), render_results(s.axis_columns, {row}, order));
  return row;
}

}  // namespace

void run_points(const Spec& s, const std::vector<size_t>& todo, const RunOptions& o, std::vector<std::string>& order,
                const std::function<void(const Point&, const Row&)>& on_done) {
  using Clock = std::chrono::steady_clock;
  struct Running {
    size_t index;
    Clock::time_point start;
  };
  std::map<pid_t, Running> running;
  unsigned jobs = o.jobs ? o.jobs : 1;
  size_t next = 0;
  while (next < todo.size() || !running.empty()) {
    while (running.size() < jobs && next < todo.size()) {
      const Point& p = s.points.at(todo[next++]);
      fs::path dir = point_dir(o.out_dir, p);
      std::error_code ec;
      fs::create_directories(dir, ec);
      if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
      // A failed re-run must not leave an older run's report behind to be read as this run's.
      for (const char* f : {"report.json", "report.txt", "layers.csv", "row.csv"}) fs::remove(dir / f, ec);

      pid_t pid = 0;
      const int rc = spawn_quiet(o.exe, run_args(s, p, dir.string()), (dir / "stderr.txt").string(), &pid);
      if (rc != 0) {
        Row row = finish(s, p, o.out_dir, 0, 0.0, order, "cannot start " + o.exe + ": " + std::strerror(rc));
        on_done(p, row);
        continue;
      }
      running[pid] = Running{todo[next - 1], Clock::now()};
    }
    if (running.empty()) continue;
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("waitpid failed: ") + std::strerror(errno));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const Point& p = s.points.at(it->second.index);
    double wall = std::chrono::duration<double>(Clock::now() - it->second.start).count();
    running.erase(it);
    Row row = finish(s, p, o.out_dir, status, wall, order, "");
    on_done(p, row);
  }
}

}  // namespace lpsim::sweep
