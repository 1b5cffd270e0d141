import Foundation
import TestSupport
import Testing

/// The simulated host's processes end with their session, as a real host's do when the ssh
/// connection drops: through the built binary, killed mid-install.
@Suite struct SimulatedSessionTests {
  /// The live (not zombie) processes whose environment holds `LABRUN_SIM_DIR=directory`: the
  /// simulated host's commands of that state directory, and nothing else on this machine.
  static func processes(ofSimulatedHostUnder directory: String) -> [String] {
    let marker = Data("LABRUN_SIM_DIR=\(directory)".utf8)
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { Int32($0) != nil }.compactMap { pid in
      guard let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ"),
        environ.split(separator: 0).contains(where: { $0.starts(with: marker) }),
        let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")"),
        stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
      else { return nil }
      let command = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
      return pid + " " + command.replacingOccurrences(of: "\0", with: " ")
    }
  }

  /// Defect: after `kill -9` of labrun the simulated installer (here held until the test ends) ran
  /// on, reparented, until it finished by itself.
  @Test(arguments: [SIGKILL, SIGINT])
  func killedMidInstallLeavesNoSimulatedProcess(signal: Int32) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let simulatedHost = fixture.home.appendingPathComponent("sim/a6000-48gb").standardizedFileURL.path
    // Held for as long as the test needs: a tool left behind would run on, waiting.
    let (environment, hold) = try fixture.holdingK3sInstall()
    defer { try? FileManager.default.removeItem(at: hold) }
    let started = try fixture.binary.start(["up", "--host", "sim"], environment: environment)
    var installing: [String] = []
    let deadline = ContinuousClock.now + .seconds(300)
    while ContinuousClock.now < deadline {
      installing = Self.processes(ofSimulatedHostUnder: simulatedHost).filter { $0.contains("k3s-installer") }
      if !installing.isEmpty { break }
      try await Task.sleep(for: .milliseconds(25))
    }
    started.kill(signal)
    let ended = try await started.wait()
    try #require(!installing.isEmpty, "the simulated k3s installer never ran: \(ended)")
    var left = Self.processes(ofSimulatedHostUnder: simulatedHost)
    for _ in 0..<200 where !left.isEmpty {
      try await Task.sleep(for: .milliseconds(25))
      left = Self.processes(ofSimulatedHostUnder: simulatedHost)
    }
    #expect(left.isEmpty, "still running 5 s after labrun ended (\(ended.status)): \(left)")
    for line in left {
      if let pid = Int32(line.split(separator: " ").first ?? "") { kill(pid, SIGKILL) }
    }
  }
}
