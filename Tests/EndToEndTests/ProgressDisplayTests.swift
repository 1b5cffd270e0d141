import Foundation
import TestSupport
import Testing

/// Issue 12 item 10: on a terminal, labrun's live progress line is cut to the terminal's width
/// and cleared, so no stale fragment of it stays on the screen. Run in a real tmux pane at 80
/// and 60 columns.
@Suite(.serialized) struct ProgressDisplayTests {
  static let tmux = "/usr/bin/tmux"

  @Test(arguments: [80, 60])
  func liveLinesLeaveNothingStaleAt(columns: Int) async throws {
    try #require(
      FileManager.default.isExecutableFile(atPath: Self.tmux),
      "tmux not found: install it (make deps does)")
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let labrun = fixture.binary.executable.path
    let environment = Self.environment(fixture)
    let screen = try await Self.screen(
      of: "\(environment) '\(labrun)' up --host sim && \(environment) '\(labrun)' exercises && "
        + "\(environment) '\(labrun)' down", in: fixture, columns: columns, seconds: 300)
    #expect(screen.contains("EXIT=0"), "\(screen)")
    #expect(screen.contains("hami done in"), "the steps were shown: \(screen)")
    // The live line starts with ▸; a finished step is a ✓ line. Any ▸ left is a stale fragment.
    let stale = screen.split(separator: "\n").filter { $0.contains("▸") }
    #expect(stale.isEmpty, "stale live lines at \(columns) columns:\n\(stale.joined(separator: "\n"))")
  }

  /// Issue 22: a fleet on a terminal is one live line per host and a summary line, redrawn in
  /// place (each host's line once on the screen, never a scrolled copy), cut to the width.
  @Test func fleetBoardIsOneLinePerHostRedrawnInPlace() async throws {
    try #require(
      FileManager.default.isExecutableFile(atPath: Self.tmux),
      "tmux not found: install it (make deps does)")
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let columns = 60
    let hosts = ["sim/gpu-a", "sim:l4-24gb/gpu-with-a-rather-long-name-b", "sim/gpu-c"]
    let screen = try await Self.screen(
      of: "\(Self.environment(fixture)) '\(fixture.binary.executable.path)' run "
        + hosts.map { "--host '\($0)'" }.joined(separator: " ") + " --parallel 2 > page.md",
      in: fixture, columns: columns, seconds: 400)
    #expect(screen.contains("EXIT=0"), "\(screen)")
    let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
    // The long name is cut to a third of the width; no board line reaches the last column.
    for prefix in ["sim/gpu-a ", "sim:l4-24gb/gpu-wit ", "sim/gpu-c "] {
      let rows = lines.filter { $0.hasPrefix(prefix) }
      #expect(rows.count == 1, "\(prefix): \(rows)\n\(screen)")
      #expect(rows.first?.contains("all PASS") == true, "\(screen)")
      #expect(rows.allSatisfy { $0.count < columns }, "\(screen)")
    }
    #expect(
      lines.filter { $0.hasPrefix("3 hosts: ") } == ["3 hosts: 0 running · 3 done · 0 waiting"], "\(screen)")
  }

  /// The environment labrun runs with in the pane: a terminal, the fixture's state and home.
  static func environment(_ fixture: SelfTestLabFixture) -> String {
    "env -u NO_COLOR TERM=xterm LABRUN_HOME='\(fixture.home.path)' HOME='\(fixture.userHome.path)'"
  }

  /// Runs `command` in the fixture's working directory in a real tmux pane `columns` wide, waits
  /// (at most `seconds`) until it ends, and returns the whole pane (with `EXIT=<status>` after it).
  static func screen(of command: String, in fixture: SelfTestLabFixture, columns: Int, seconds: Int)
    async throws -> String
  {
    let socket = fixture.root.appending("tmux.sock").path
    let done = fixture.root.appending("done")
    // The pane stays open (for capture-pane) while `hold` exists; without it the shell ends, and
    // with its only session the tmux server.
    let hold = fixture.root.appending("hold")
    _ = FileManager.default.createFile(atPath: hold.path, contents: nil)
    defer { _ = SpawnedProcess.run([Self.tmux, "-S", socket, "kill-server"]) }
    let script =
      "cd '\(fixture.workingDirectory.path)' && \(command); echo \"EXIT=$?\"; touch '\(done.path)'; "
      + "while [ -e '\(hold.path)' ]; do sleep 0.2; done"
    let started = await SpawnedProcess.completed([
      Self.tmux, "-S", socket, "-f", "/dev/null", "new-session", "-d", "-x", String(columns), "-y", "50",
      "/bin/sh", "-c", script,
    ])
    try #require(started.status == 0, "tmux new-session: \(started.output)")
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !FileManager.default.fileExists(atPath: done.path), ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(200))
    }
    let captured = await SpawnedProcess.completed([
      Self.tmux, "-S", socket, "capture-pane", "-p", "-S", "-", "-E", "-",
    ])
    // Let the pane's shell end (make test checks that no process is left).
    try FileManager.default.removeItem(at: hold)
    return captured.output
  }
}
