import Foundation
import LabPipeline

@testable import Labs

/// Throughput runs as the lab files them since issue 19: the probe's stdout and HAMi-core's
/// level-3 stderr as separate artifacts under the same command, each line stamped on capture,
/// in the line shapes the lent H100 printed (shared/reference/real-h100-core-limit-mps).
enum HAMiCoreWitnessFixture {
  static let directory = "/tmp/labrun-hami-core.Ab12Cd"
  static let thread = "140396230742016"

  /// What HAMi-core's log says in a run.
  enum Witness: CaseIterable {
    /// Level 3: the configured limit read, util_switch=1, watcher lines.
    case confirms
    /// Level 3: the region held another limit (100) and the inconsistency line.
    case readsAnotherLimit
    /// Level 3: the host pid was not found; no util_switch.
    case hostPidError
    /// Level 2 (the default): no info lines at all.
    case absent
  }

  /// The run's script as the step runs it: its own cache file, level 3.
  static func command(_ id: String, limit: Int?, tenant: String = "a", cache: String? = nil) -> String {
    let cacheFile = cache ?? "\(directory)/cache-\(id)"
    return "rm -f \(cacheFile); { { timeout -k 10 160 env LD_PRELOAD=\(directory)/libvgpu.so "
      + "CUDA_DEVICE_MEMORY_LIMIT=4000m CUDA_DEVICE_MEMORY_SHARED_CACHE=\(cacheFile) LIBCUDA_LOG_LEVEL=3"
      + (limit.map { " CUDA_DEVICE_SM_LIMIT=\($0) GPU_CORE_UTILIZATION_POLICY=force" } ?? "")
      + " \(directory)/throughput-probe 40; echo \"labrun: throughput-probe exit status $?\" >&2; } 2>&1 1>&3 3>&- "
      + "| { stamp; } >\(directory)/\(id).err; } 3>&1 | { stamp; } >\(directory)/\(id).out; rm -f \(cacheFile)"
  }

  /// The probe's stdout, stamped: settings line, samples (and latency lines when given; the
  /// settings line then says latency mode and, when `waves` is given, the waves a kernel has).
  static func stdout(
    pid: Int, limit: Int?, values: [Double], start: Double = 1_765_000_000, latency: [(Double, Double)] = [],
    waves: Int? = nil
  ) -> String {
    let mode = latency.isEmpty ? "" : "latency mode, " + (waves.map { "\($0) waves a kernel, " } ?? "")
    var lines = [
      stamp(start - 0.5)
        + "throughput-probe: pid \(pid), device 0 NVIDIA H100 80GB HBM3 (132 SMs), LD_PRELOAD=\(directory)/libvgpu.so "
        + "CUDA_DEVICE_SM_LIMIT=\(limit.map(String.init) ?? "unset") GPU_CORE_UTILIZATION_POLICY="
        + "\(limit == nil ? "unset" : "force"), \(mode)\(values.count) s"
    ]
    for (index, value) in values.enumerated() {
      lines.append(
        stamp(start + Double(index + 1)) + "sample \(index + 1) s: \(String(format: "%.2f", value)) TFLOPS")
      if index < latency.count {
        lines.append(
          stamp(start + Double(index + 1))
            + "latency \(index + 1) s: p50 \(latency[index].0) us p99 \(latency[index].1) us over 5000 kernels"
        )
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// HAMi-core's stderr, stamped, for a run configured with `limit`.
  static func stderr(pid: Int, limit: Int?, witness: Witness, seconds: Int, start: Double = 1_765_000_000)
    -> String
  {
    func info(_ place: String, _ text: String) -> String {
      "[HAMI-core Info(\(pid):\(thread):\(place))]: \(text)"
    }
    var lines = ["[HAMI-core Msg(\(pid):\(thread):libvgpu.c:871)]: Initializing....."]
    let read = witness == .readsAnotherLimit ? 100 : (limit ?? 100)
    switch witness {
    case .absent: break
    case .readsAnotherLimit:
      lines.append(
        info(
          "multiprocess_memory_limit.c:1168",
          "SM limit inconsistency detected for 0th device, \(limit ?? 100) expected, get 100"))
      fallthrough
    case .confirms, .hostPidError:
      lines.append(
        info(
          "multiprocess_utilization_watcher.c:138",
          "setspec: device 0 sm_num=132 max_threads_per_sm=2048 total_cores=8650752 FACTOR=32"))
      lines.append(
        info("multiprocess_utilization_watcher.c:273", "device 0: core utilization limit = \(read)"))
      if witness == .hostPidError {
        lines.append("[HAMI-core ERROR (pid:\(pid) thread=\(thread) utils.c:158)]: host pid is error!")
      } else {
        lines.append(info("utils.c:161", "hostPid=\(pid)"))
      }
    }
    var stamped = lines.map { stamp(start - 0.6) + $0 }
    if witness == .confirms || witness == .readsAnotherLimit {
      for second in 0..<seconds {
        for tick in 0..<8 {
          let time = start + Double(second) + Double(tick) * 0.12 + 0.05
          stamped.append(
            stamp(time)
              + info("multiprocess_utilization_watcher.c:233", "init_utilization_watcher: util_switch=1"))
          if read < 100 {
            stamped.append(
              stamp(time)
                + info(
                  "multiprocess_utilization_watcher.c:253",
                  "device 0: userutil=\(60 + tick) currentcores=1276589 total=8650752 limit=\(read) share=688380"
                ))
          }
        }
      }
    }
    stamped.append(stamp(start + Double(seconds) + 0.2) + "labrun: throughput-probe exit status 0")
    return stamped.joined(separator: "\n") + "\n"
  }

  static func stamp(_ time: Double) -> String { String(format: "%.9f ", time) }

  static func section(_ command: String, _ output: String) -> String { "$ \(command)\n\n\(output)" }

  /// One run: its stdout section and its stderr section.
  struct Run {
    var id: String
    var limit: Int?
    var values: [Double]
    var witness: Witness
    var pid: Int
    var latency: [(Double, Double)] = []
    var tenant = "a"
    var waves: Int? = nil

    var command: String { HAMiCoreWitnessFixture.command(id, limit: limit, tenant: tenant) }
    var out: String {
      HAMiCoreWitnessFixture.section(
        command,
        HAMiCoreWitnessFixture.stdout(pid: pid, limit: limit, values: values, latency: latency, waves: waves))
    }
    var err: String {
      HAMiCoreWitnessFixture.section(
        command,
        HAMiCoreWitnessFixture.stderr(pid: pid, limit: limit, witness: witness, seconds: values.count))
    }
  }

  /// The four artifacts of exercise 6 for `alone` and `pair` runs.
  static func computeFiles(alone: [Run], pair: [Run]) -> [String: String] {
    [
      HAMiCoreCatalog.computeAlone: alone.map(\.out).joined(separator: "\n"),
      HAMiCoreCatalog.computeAloneLog: alone.map(\.err).joined(separator: "\n"),
      HAMiCoreCatalog.computePair: pair.map(\.out).joined(separator: "\n"),
      HAMiCoreCatalog.computePairLog: pair.map(\.err).joined(separator: "\n"),
    ]
  }

  /// Exercise 7's two artifacts.
  static func neighbourFiles(_ runs: [Run]) -> [String: String] {
    [
      HAMiCoreCatalog.neighbour: runs.map(\.out).joined(separator: "\n"),
      HAMiCoreCatalog.neighbourLog: runs.map(\.err).joined(separator: "\n"),
    ]
  }

  /// The H100's figures (reference): limit 25 swinging 4-65 TFLOPS, mean ≈ 0.72-0.75 of unlimited.
  static let swinging25: [Double] = [
    42.26, 64.17, 64.16, 64.16, 64.16, 14.18, 62.24, 20.57, 64.51, 64.16, 13.70, 62.61, 64.17, 10.68, 63.59,
    16.04,
    62.24, 15.11, 64.44, 64.22, 19.48, 64.51, 30.08, 61.33, 64.22, 23.83, 61.73, 64.16, 18.63, 64.46, 64.15,
    19.47,
    64.58, 30.09, 60.96, 64.18, 24.51, 64.23, 64.16, 33.11, 61.69, 31.77, 64.36, 64.15, 25.98,
  ]
  static let unlimited = Array(repeating: 64.16, count: 20)
}
