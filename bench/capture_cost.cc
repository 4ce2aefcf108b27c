// coven_capture_cost: what the shim does to each output byte besides reading it, one part at
// a time (Google Benchmark, CPU time). The capture bench (coven_bench (a)) gives the end to
// end figure against a bare PTY reader; on a 2-vCPU machine the harness, the kernel's flush
// worker and the reader already fill both CPUs, so every cycle here comes off that figure,
// and end to end runs vary too much (a bare run takes 0.9 to 1.9 s from one minute to the
// next) to see a 2% change. These figures are stable enough to: docs/benchmarks.md.
//
//   build/release/bench/coven_capture_cost [--benchmark_filter=...]
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/strings.h"
#include "core/unique_fd.h"
#include "eventlog/event_log.h"
#include "payload.h"
#include "screen/screen_model.h"
#include "shim/internal/output_chunker.h"

namespace coven::bench {
namespace {

constexpr size_t kStreamBytes = 32u << 20;  // one iteration's worth of output
constexpr size_t kReadBatch = 128u << 10;   // what the shim logs at once while streaming
constexpr size_t kAlign = 128u << 10;       // the shim's kLogAlign
constexpr std::string_view kSessionId = "0b5a3c1e-1111-4222-8333-123456789abc";

const std::string& Stream() {
  static const std::string stream = [] {
    PayloadGenerator gen;
    std::string all;
    std::string block;
    while (all.size() < kStreamBytes) {
      gen.NextBlock(&block);
      all += block;
    }
    all.resize(kStreamBytes -
               core::IncompleteUtf8Tail(std::string_view(all).substr(0, kStreamBytes)));
    return all;
  }();
  return stream;
}

// The screen model fed a stream in batches of range(0) bytes (the shim's kScreenBatch).
void ScreenFeed(benchmark::State& state) {
  const std::string& s = Stream();
  auto batch = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    screen::ScreenModel model(24, 80);
    for (size_t at = 0; at < s.size(); at += batch) {
      model.Feed(std::string_view(s).substr(at, batch));
    }
    benchmark::DoNotOptimize(model.Lines());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * s.size()));
}
BENCHMARK(ScreenFeed)->Arg(64 << 10)->Arg(256 << 10)->Arg(1 << 20)->Arg(4 << 20);

// Cutting a stream's batches into output events (the JSON-size scan): over the whole stream
// (range(0) == 0), or one batch again and again, in the CPU's cache as the shim's is when
// it has just read it (1).
void ChunkBatches(benchmark::State& state) {
  const std::string& s = Stream();
  std::string_view all = state.range(0) == 1 ? std::string_view(s).substr(0, kReadBatch) : s;
  std::vector<std::string_view> chunks;
  for (auto _ : state) {
    size_t events = 0;
    for (size_t at = 0; at < s.size(); at += kReadBatch) {
      std::string_view batch = all.substr(at % all.size(), kReadBatch);
      (void)shim::internal::ChunkForRoom(batch, SIZE_MAX, 32, &chunks);
      events += chunks.size();
    }
    benchmark::DoNotOptimize(events);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * s.size()));
}
BENCHMARK(ChunkBatches)->Arg(0)->Arg(1);

// Appending a stream to a new log on disk (framing, CRC, the write into the page cache), its
// batches ending on kAlign offsets (range(0) == 1) or wherever they end (0).
void LogAppend(benchmark::State& state) {
  const std::string& s = Stream();
  bool aligned = state.range(0) == 1;
  std::string dir = "/tmp/coven-capture-cost.XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    state.SkipWithError("mkdtemp failed");
    return;
  }
  std::vector<std::string_view> chunks;
  for (auto _ : state) {
    std::string path = dir + "/events.log";
    auto log = eventlog::LogWriter::Create(path, std::string(kSessionId));
    if (!log) {
      state.SkipWithError(log.error().message.c_str());
      break;
    }
    for (size_t at = 0; at < s.size();) {
      size_t room =
          aligned ? shim::internal::RoomToAlignedEnd(log->end_offset(), kAlign) : SIZE_MAX;
      std::string_view batch = std::string_view(s).substr(at, kReadBatch);
      at += shim::internal::ChunkForRoom(batch, room, eventlog::LogWriter::kRecordFrameBytes,
                                         &chunks);
      (void)log->AppendBatch(eventlog::EventKind::kOutput, chunks, 0);
    }
    state.PauseTiming();
    ::unlink(path.c_str());  // dropping 32 MiB of page cache is not the append's cost
    state.ResumeTiming();
  }
  (void)core::RemoveTree(dir);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * s.size()));
}
BENCHMARK(LogAppend)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace coven::bench

BENCHMARK_MAIN();
