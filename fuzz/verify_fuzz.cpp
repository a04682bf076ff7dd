// libFuzzer target: crix::ledger::verify() on a ledger whose stored records were damaged. At start it
// makes one small valid ledger (`crix simulate`'s day, 600 commands, into a temporary directory) and
// notes where each stored value of our non-DUPSORT databases sits in the file (trades, journal, meta,
// registry, elimination, daily, ...). An input is a list of 4-byte patches: value (u16, modulo the
// count), byte offset in it (u8, modulo its size), and a byte to XOR into it. The patched copy is
// written to a file and verified in this process: the verdict must be "sound" or a problem, or an
// Error; a crash, another exception or undefined behaviour is a finding.
//
// Why the values and not LMDB's pages: LMDB aborts the process on a damaged page by design (mdb.c's
// assertions), which is why `crix verify` and `crix ledger` read in a child process and report a
// stopped child as a damaged file (tests/ledger_exchange_test.cpp drives that with zeroed pages). What
// our code owns is everything after LMDB hands a value back: the decoders, the chain, the totals, the
// indices and the journal checks; damaged values are what reach them. Keys are left alone: a patched
// key breaks LMDB's sort order, which is LMDB's structure again.
#include <lmdb.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "config/market_config.hpp"
#include "ledger/error.hpp"
#include "ledger/verify.hpp"
#include "tools/simulate.hpp"

namespace {

struct Region {
  std::size_t at;
  std::size_t size;
};

struct Pristine {
  std::string dir;
  std::string bytes;            // the valid ledger file
  std::vector<Region> values;   // where its values sit
  std::string damaged;          // the file each input is written to
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz_verify: %s\n", what.c_str());
  std::abort();
}

void check(int rc, const char* what) {
  if (rc != MDB_SUCCESS) fail(std::string(what) + ": " + mdb_strerror(rc));
}

// Each stored value's offset in the file, through LMDB's read-only map of it.
std::vector<Region> value_regions(const std::string& path) {
  MDB_env* env = nullptr;
  check(mdb_env_create(&env), "mdb_env_create");
  check(mdb_env_set_maxdbs(env, 64), "mdb_env_set_maxdbs");
  check(mdb_env_open(env, path.c_str(), MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0600), "mdb_env_open");
  MDB_stat st;
  check(mdb_env_stat(env, &st), "mdb_env_stat");
  const std::uintptr_t page = st.ms_psize;
  // A value's offset in the file: the map is page-aligned and every LMDB page starts with its own
  // page number (MDB_page's mp_pgno), so the page's address less pgno pages is the file's start.
  // (mdb_env_info's me_mapaddr is set only for MDB_FIXEDMAP.)
  const auto offset = [page](const void* data) {
    const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t start = at & ~(page - 1);
    std::uint64_t pgno = 0;
    std::memcpy(&pgno, reinterpret_cast<const void*>(start), sizeof pgno);
    return static_cast<std::size_t>(at - (start - pgno * page));
  };
  MDB_txn* txn = nullptr;
  check(mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn), "mdb_txn_begin");
  MDB_dbi main_db;
  check(mdb_dbi_open(txn, nullptr, 0, &main_db), "mdb_dbi_open");
  std::vector<std::string> names;
  MDB_cursor* cur = nullptr;
  MDB_val k, v;
  check(mdb_cursor_open(txn, main_db, &cur), "mdb_cursor_open");
  for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    names.emplace_back(static_cast<const char*>(k.mv_data), k.mv_size);
  mdb_cursor_close(cur);
  std::vector<Region> out;
  for (const std::string& name : names) {
    MDB_dbi dbi;
    check(mdb_dbi_open(txn, name.c_str(), 0, &dbi), "mdb_dbi_open");
    unsigned flags = 0;
    check(mdb_dbi_flags(txn, dbi, &flags), "mdb_dbi_flags");
    if (flags & MDB_DUPSORT) continue;  // sorted values are LMDB's structure, as keys are
    check(mdb_cursor_open(txn, dbi, &cur), "mdb_cursor_open");
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
      if (v.mv_size > 0) out.push_back({offset(v.mv_data), v.mv_size});
    }
    mdb_cursor_close(cur);
  }
  mdb_txn_abort(txn);
  mdb_env_close(env);
  return out;
}

Pristine make() {
  Pristine p;
  char dir[] = "/tmp/crix-fuzz-verify-XXXXXX";
  if (::mkdtemp(dir) == nullptr) fail("cannot make a temporary directory");
  p.dir = dir;
  const std::string ledger = p.dir + "/day.ledger";
  const crix::config::LoadResult loaded = crix::config::load_market(crix::config::sample_market_path());
  if (!loaded.market) fail("the sample market does not load");
  crix::tools::SimulateOptions options;
  options.commands = 600;
  options.batch = 64;
  options.ledger = ledger;
  std::ostringstream quiet;
  crix::tools::simulate(*loaded.market, options, quiet);
  std::ifstream in(ledger, std::ios::binary);
  p.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  p.values = value_regions(ledger);
  if (p.values.empty()) fail("the ledger holds no values");
  for (const Region& r : p.values) {
    if (r.at + r.size > p.bytes.size()) fail("a value's place is outside the file");
  }
  if (!crix::ledger::verify(ledger).ok()) fail("the pristine ledger is not sound");
  p.damaged = p.dir + "/damaged.ledger";
  return p;
}

const Pristine& pristine() {
  static const Pristine p = make();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Pristine& p = pristine();
  std::string bytes = p.bytes;
  for (std::size_t i = 0; i + 4 <= size; i += 4) {
    const Region& r = p.values[(std::size_t{data[i]} | std::size_t{data[i + 1]} << 8) % p.values.size()];
    bytes[r.at + data[i + 2] % r.size] ^= static_cast<char>(data[i + 3]);
  }
  {
    std::ofstream out(p.damaged, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) fail("cannot write " + p.damaged);
  }
  try {
    (void)crix::ledger::verify(p.damaged);
  } catch (const crix::ledger::Error&) {
    // Cannot be read at all: a verdict too (crix verify prints it, exit 1).
  }
  std::filesystem::remove(p.damaged + "-lock");
  return 0;
}
