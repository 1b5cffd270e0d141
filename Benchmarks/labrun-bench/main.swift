// labrun-bench: measured comparisons on a loopback sshd, printed as ratios from one run.
//
// 1. Per-command latency: N `true` commands on labrun's open SSH connection, beside OpenSSH
//    reusing a ControlMaster connection, beside one fresh `ssh` per command.
// 2. Download throughput: a 256 MiB file through labrun's SFTP, beside `scp`.
// 3. The whole lab on the simulated GPU host: wall time of `labrun run --host sim` and the
//    share of it spent outside the simulated commands (labrun's own overhead).
// 4. Fleets of 1, 16 and 64 simulated hosts at --parallel 16 (FleetBenchmark).
import Crypto
import Foundation
import LabPipeline
import Remote
import TestSupport

let commandCount = Int(ProcessInfo.processInfo.environment["LABRUN_BENCH_COMMANDS"] ?? "") ?? 200
let downloadMiB = Int(ProcessInfo.processInfo.environment["LABRUN_BENCH_MIB"] ?? "") ?? 256
let rounds = 3

func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  guard !sorted.isEmpty else { return .nan }
  return sorted.count % 2 == 1
    ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func seconds(_ duration: Duration) -> Double { duration.seconds }

func ms(_ value: Double) -> String { String(format: "%.2f ms", value * 1000) }

func timed(_ body: () throws -> Void) rethrows -> Double {
  let clock = ContinuousClock()
  let start = clock.now
  try body()
  return seconds(clock.now - start)
}

func timedAsync(_ body: () async throws -> Void) async rethrows -> Double {
  let clock = ContinuousClock()
  let start = clock.now
  try await body()
  return seconds(clock.now - start)
}

func sha256(_ url: URL) throws -> String {
  SHA256.hash(data: try Data(contentsOf: url)).map { String(format: "%02x", $0) }.joined()
}

func fail(_ message: String) -> Never {
  FileHandle.standardError.write(Data("labrun-bench: \(message)\n".utf8))
  exit(1)
}

// `labrun-bench fleet`: the fleet figures alone (`make bench-fleet`).
if CommandLine.arguments.dropFirst().first == "fleet" {
  FleetBenchmark.report(
    labrun: URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
      "labrun"))
  exit(0)
}

let server = try LoopbackSSHServer()
defer { server.stop() }
try server.trustInUserKnownHosts()
guard let key = server.keys["ed25519"] else { fail("no ed25519 key") }
let knownHosts = server.clientHome.appendingPathComponent(".ssh/known_hosts").path
let controlSocket = server.directory.appendingPathComponent("cm.sock").path
let sshBase = [
  "/usr/bin/ssh", "-F", "/dev/null", "-i", key.path, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
  "-o", "UserKnownHostsFile=\(knownHosts)", "-o", "StrictHostKeyChecking=yes", "-p", String(server.port),
]
let destination = "\(server.user)@127.0.0.1"

print(
  "labrun-bench: loopback sshd on port \(server.port), \(commandCount) commands, \(downloadMiB) MiB download")
print("")

// MARK: per-command latency

let options = ConnectionOptions(
  identityFile: key.path, state: StateDirectory(root: server.directory.appendingPathComponent("state")),
  environment: ["HOME": server.clientHome.path, "USER": server.user])
let transport = try await SSHTransportFactory.open(
  host: "\(server.user)@127.0.0.1:\(server.port)", options: options)
_ = try await transport.run(RemoteCommand("true"))  // warm-up
var labrunTimes: [Double] = []
for _ in 0..<commandCount {
  let elapsed = try await timedAsync {
    let output = try await transport.run(RemoteCommand("true"))
    if output.exitStatus != 0 { fail("labrun: true exited \(output.exitStatus)") }
  }
  labrunTimes.append(elapsed)
}

let master = try SpawnedProcess(
  sshBase + ["-M", "-S", controlSocket, "-o", "ControlPersist=no", "-N", destination],
  log: server.directory.appendingPathComponent("controlmaster.log"))
defer { master.terminate() }
for _ in 0..<500 where !FileManager.default.fileExists(atPath: controlSocket) { usleep(10_000) }
var controlTimes: [Double] = []
for _ in 0..<commandCount {
  let elapsed = timed {
    let result = SpawnedProcess.run(sshBase + ["-S", controlSocket, destination, "true"])
    if result.status != 0 { fail("ssh ControlMaster: \(result.output)") }
  }
  controlTimes.append(elapsed)
}

var freshTimes: [Double] = []
for _ in 0..<commandCount {
  let elapsed = timed {
    let result = SpawnedProcess.run(
      sshBase + ["-o", "ControlMaster=no", "-o", "ControlPath=none", destination, "true"])
    if result.status != 0 { fail("fresh ssh: \(result.output)") }
  }
  freshTimes.append(elapsed)
}

let labrunMedian = median(labrunTimes)
let controlMedian = median(controlTimes)
let freshMedian = median(freshTimes)
print("per-command median (\(commandCount) x `true`):")
print("  labrun (one open connection)    \(ms(labrunMedian))")
print("  OpenSSH ControlMaster reuse     \(ms(controlMedian))")
print("  OpenSSH fresh ssh per command   \(ms(freshMedian))")
print(
  String(format: "  ratio labrun / ControlMaster    %.2fx  (goal: <= 1.00x)", labrunMedian / controlMedian))
print(String(format: "  ratio labrun / fresh ssh        %.2fx", labrunMedian / freshMedian))
print("")

// MARK: SFTP download vs scp

let source = server.directory.appendingPathComponent("bench-source")
let generated = SpawnedProcess.run([
  "/bin/dd", "if=/dev/urandom", "of=\(source.path)", "bs=1048576", "count=\(downloadMiB)",
])
if generated.status != 0 { fail("dd: \(generated.output)") }
let expected = try sha256(source)
var labrunDownload: [Double] = []
var scpDownload: [Double] = []
for round in 0..<rounds {
  let mine = server.directory.appendingPathComponent("bench-labrun-\(round)")
  labrunDownload.append(try await timedAsync { try await transport.download(source.path, to: mine) })
  if try sha256(mine) != expected { fail("labrun download corrupted") }
  try FileManager.default.removeItem(at: mine)
  let theirs = server.directory.appendingPathComponent("bench-scp-\(round)")
  let scpArguments =
    [
      "/usr/bin/scp", "-q", "-F", "/dev/null", "-i", key.path, "-o", "IdentitiesOnly=yes", "-o",
      "BatchMode=yes",
      "-o", "UserKnownHostsFile=\(knownHosts)", "-P", String(server.port), "\(destination):\(source.path)",
      theirs.path,
    ]
  scpDownload.append(
    timed {
      let result = SpawnedProcess.run(scpArguments)
      if result.status != 0 { fail("scp: \(result.output)") }
    })
  if try sha256(theirs) != expected { fail("scp download corrupted") }
  try FileManager.default.removeItem(at: theirs)
}
await transport.close()
let labrunRate = Double(downloadMiB) / median(labrunDownload)
let scpRate = Double(downloadMiB) / median(scpDownload)
print("download \(downloadMiB) MiB (median of \(rounds)):")
print(
  String(format: "  labrun SFTP                     %.2f s  (%.0f MiB/s)", median(labrunDownload), labrunRate)
)
print(String(format: "  scp                             %.2f s  (%.0f MiB/s)", median(scpDownload), scpRate))
print(String(format: "  ratio labrun / scp throughput   %.2fx  (goal: >= 0.80x)", labrunRate / scpRate))

print("")

// MARK: labrun run --host sim

let labrunBinary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
  .appendingPathComponent("labrun")
guard FileManager.default.isExecutableFile(atPath: labrunBinary.path) else {
  fail("\(labrunBinary.path) not built: `make bench` builds it")
}
var simulated: [SimulatedRunBenchmark.Result] = []
for _ in 0..<rounds {
  do {
    simulated.append(try SimulatedRunBenchmark.measure(labrun: labrunBinary))
  } catch {
    fail("\(error)")
  }
}
print("labrun run --host sim (median of \(rounds), release build):")
print(
  String(
    format: "  wall time                       %.2f s  (goal: < 10 s)", median(simulated.map(\.wallSeconds))))
print(
  String(format: "  outside simulated commands      %.0f %%", median(simulated.map(\.outsideShare)) * 100))
if let last = simulated.last { print("  last run: \(last.summary)") }

// MARK: fleets

FleetBenchmark.report(labrun: labrunBinary)
