import Foundation
import TestSupport

/// `labrun run --hosts FILE --parallel 16` over fleets of simulated hosts, each simulated
/// command delayed (`LABRUN_SIM_COMMAND_MS`) so a host's wall time is mostly waiting, as on
/// real machines: wall time against `ceil(hosts / parallel)` × one host's, the CPU time of
/// labrun and everything it ran, the controller's peak RSS and its most open descriptors.
enum FleetBenchmark {
  struct Result {
    var hosts: Int
    var wallSeconds: Double
    var cpuSeconds: Double
    /// The controller's peak resident set (VmHWM), KiB.
    var peakRSSKiB: Int
    /// The most descriptors the controller had open at once (sampled every 100 ms).
    var peakDescriptors: Int
  }

  enum Failure: Error, CustomStringConvertible {
    case fleetFailed(hosts: Int, output: String)

    var description: String {
      switch self {
      case .fleetFailed(let hosts, let output):
        return "fleet of \(hosts) did not all PASS: \(output.suffix(2000))"
      }
    }
  }

  static func measure(labrun: URL, hosts: Int, parallel: Int, commandMs: Int) throws -> Result {
    let temporary = try TemporaryDirectory(prefix: "labrun-bench-fleet")
    defer { temporary.remove() }
    let file = temporary.url.appendingPathComponent("hosts.txt")
    try Data((1...hosts).map { String(format: "sim/gpu-%03d\n", $0) }.joined().utf8).write(to: file)
    var environment = ProcessInfo.processInfo.environment
    environment["LABRUN_HOME"] = temporary.url.appendingPathComponent("state").path
    environment["LABRUN_SIM_COMMAND_MS"] = String(commandMs)
    let log = temporary.url.appendingPathComponent("fleet.log")
    var before = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &before)
    let start = Date()
    let process = try SpawnedProcess(
      [labrun.path, "run", "--hosts", file.path, "--parallel", String(parallel)], log: log,
      environment: environment)
    var peakRSS = 0
    var peakDescriptors = 0
    while process.isRunning {
      peakDescriptors = max(peakDescriptors, descriptors(of: process.pid))
      peakRSS = max(peakRSS, highWaterMark(of: process.pid))
      usleep(100_000)
    }
    let wall = Date().timeIntervalSince(start)
    var after = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &after)
    let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
    guard output.contains("**\(hosts) host\(hosts == 1 ? "" : "s"): \(hosts) all PASS") else {
      throw Failure.fleetFailed(hosts: hosts, output: output)
    }
    return Result(
      hosts: hosts, wallSeconds: wall, cpuSeconds: seconds(after) - seconds(before), peakRSSKiB: peakRSS,
      peakDescriptors: peakDescriptors)
  }

  static func seconds(_ usage: rusage) -> Double {
    Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
      + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
  }

  static func descriptors(of pid: pid_t) -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
  }

  /// VmHWM from /proc/PID/status, in KiB.
  static func highWaterMark(of pid: pid_t) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
      let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
  }

  /// Prints the figures for fleets of `LABRUN_BENCH_FLEETS` (1,16,64) hosts at --parallel 16,
  /// every simulated command `LABRUN_BENCH_COMMAND_MS` (250) ms.
  static func report(labrun: URL) {
    let environment = ProcessInfo.processInfo.environment
    let parallel = 16
    let commandMs = Int(environment["LABRUN_BENCH_COMMAND_MS"] ?? "") ?? 250
    let sizes = (environment["LABRUN_BENCH_FLEETS"] ?? "1,16,64").split(separator: ",").compactMap { Int($0) }
    print("labrun run --hosts FILE --parallel \(parallel), every simulated command \(commandMs) ms:")
    var single: Double?
    for size in sizes {
      let result: Result
      do {
        result = try measure(labrun: labrun, hosts: size, parallel: parallel, commandMs: commandMs)
      } catch {
        FileHandle.standardError.write(Data("labrun-bench: \(error)\n".utf8))
        exit(1)
      }
      if single == nil, size == 1 {
        single = result.wallSeconds
        print(
          String(
            format: "  1 host: wall %.1f s, CPU %.1f s: wall = %.1fx CPU (goal: >= 10x)", result.wallSeconds,
            result.cpuSeconds, result.wallSeconds / max(result.cpuSeconds, 0.001)))
      }
      let rounds = (size + parallel - 1) / parallel
      let ideal = Double(rounds) * (single ?? result.wallSeconds)
      print(
        String(
          format: "  %3d hosts: wall %6.1f s = %.2fx of %d x one host's (goal: <= 1.25x); CPU %6.1f s; "
            + "controller peak RSS %d MiB (%.2f MiB/host); peak open fds %d",
          size, result.wallSeconds, result.wallSeconds / ideal, rounds, result.cpuSeconds,
          result.peakRSSKiB / 1024, Double(result.peakRSSKiB) / 1024 / Double(size), result.peakDescriptors))
    }
  }
}
