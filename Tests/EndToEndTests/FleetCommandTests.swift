import Foundation
import LabPipeline
import TestSupport
import Testing

/// `labrun run` over a fleet through the built binary: the hosts file, the page, the exit
/// status, the rerun that resumes only the unfinished host, and hosts over real ssh.
@Suite struct FleetCommandTests {
  /// Acceptance 1 of issue 22: 8 simulated hosts, one whose evidence FAILs, one whose k3s
  /// install fails once.
  @Test func eightSimulatedHostsThenTheRerunResumesOnlyTheUnfinishedOne() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let hosts = fixture.root.appending("hosts.txt")
    try Data(
      """
      # eight simulated hosts, one machine each
      sim/gpu-01
      sim/gpu-02
      sim:h100-80gb/gpu-03 sim_scenario=runtime-runc   # exercises 2, 3 and 5 FAIL
      sim/gpu-04
      sim/gpu-05 sim_scenario='k3s-install-fails-once'
      sim:l4-24gb/gpu-06
      sim/gpu-07
      sim/gpu-08

      """.utf8
    ).write(to: hosts)
    let arguments = ["run", "--hosts", hosts.path, "--parallel", "4"]
    let first = try await fixture.labrun(arguments)
    #expect(first.status == 5, "\(first.stderr.suffix(3000))")
    #expect(
      first.stdout.contains(
        "**8 hosts: 6 all PASS · 1 with a FAIL · 0 INCONCLUSIVE (no FAIL) · 1 stopped at a failed step · 0 unreachable**"
      ), "\(first.stdout)")
    let rows = first.stdout.split(separator: "\n").filter { $0.hasPrefix("| sim") }
    #expect(rows.count == 8)
    #expect(rows[2].contains("| NVIDIA H100 80GB HBM3 |") && rows[2].contains("with a FAIL"), "\(rows[2])")
    #expect(rows[4].contains("stopped at a failed step: up stopped: step k3s"), "\(rows[4])")
    #expect(rows[5].contains("| NVIDIA L4 |"), "\(rows[5])")
    // Without a TTY: prefixed lines, one host's each.
    #expect(first.stderr.contains("[sim/gpu-05] up "), "\(first.stderr.suffix(2000))")

    let second = try await fixture.labrun(arguments)
    #expect(second.status == 5, "gpu-03's FAIL still stands: \(second.stderr.suffix(3000))")
    #expect(second.stdout.contains("**8 hosts: 7 all PASS · 1 with a FAIL"), "\(second.stdout)")
    let started = Set(
      second.stderr.split(separator: "\n").filter { $0.hasSuffix(" started") }.compactMap {
        $0.split(separator: " ").first
      })
    #expect(started == ["[sim/gpu-05]"], "only the unfinished host runs again: \(started)")
    let runs = try FileManager.default.contentsOfDirectory(
      atPath: fixture.home.appendingPathComponent("runs").path)
    #expect(runs.count == 8, "\(runs)")
    let fleets = try FileManager.default.contentsOfDirectory(
      atPath: fixture.home.appendingPathComponent("fleets").path)
    #expect(fleets.count == 1, "\(fleets)")
    // The page again, as JUnit: one <testsuite> per host.
    let junit = try await fixture.labrun(["report", "--fleet", fleets[0], "--format", "junit"])
    #expect(junit.status == 0, "\(junit.stderr)")
    #expect(junit.stdout.components(separatedBy: "<testsuite name=").count - 1 == 8, "\(junit.stdout)")
    #expect(junit.stdout.contains("<testsuite name=\"sim:h100-80gb/gpu-03\" tests=\"5\" failures=\"3\""))
    // The same page by its hosts file: the newest fleet of exactly these hosts.
    let byHosts = try await fixture.labrun(["report", "--hosts", hosts.path, "--format", "junit"])
    #expect(byHosts.status == 0 && byHosts.stdout == junit.stdout, "\(byHosts.stderr)")
    let others = fixture.root.appending("others.txt")
    try Data("sim/gpu-01\nsim/gpu-99\n".utf8).write(to: others)
    let none = try await fixture.labrun(["report", "--hosts", others.path])
    #expect(none.status == 4 && none.stderr.contains("no fleet of exactly these 2 hosts"), "\(none)")
    // `labrun runs` lists the fleet beside its eight runs, each run naming it.
    let listed = try await fixture.labrun(["runs"])
    #expect(listed.stdout.components(separatedBy: "[\(fleets[0])]").count - 1 == 8, "\(listed.stdout)")
    #expect(listed.stdout.contains("\(fleets[0])  finished"), "\(listed.stdout)")
    // One archive for the fleet; verify checks it host by host: all simulated, so 3.
    let archive = fixture.root.appending("fleet.tar.gz").path
    let bundle = try await fixture.labrun(["bundle", "--fleet", fleets[0], "-o", archive])
    #expect(bundle.status == 0 && bundle.stdout == archive + "\n", "\(bundle)")
    let verified = try await fixture.labrun(["verify", "--run", archive])
    #expect(verified.status == 3, "\(verified)")
    let lines = verified.stdout.split(separator: "\n")
    #expect(lines.count == 9 && lines.prefix(8).allSatisfy { $0.contains(": STATUS: SIMULATED") }, "\(lines)")
    #expect(lines.last?.hasPrefix("FLEET \(fleets[0]): 8 hosts: 0 VALIDATED · 0 FAILED") == true, "\(lines)")
    // report renders one run: of a fleet's archive it says what to run instead (it used to
    // say "found 0" run directories, "create bundles with `labrun bundle`", as if unreadable).
    let reported = try await fixture.labrun(["report", "--run", archive])
    #expect(reported.status == 64, "\(reported)")
    #expect(reported.stderr.contains("is a fleet's bundle (\(fleets[0]), 8 hosts)"), "\(reported.stderr)")
    #expect(reported.stderr.contains("labrun verify --run \(archive)"), "\(reported.stderr)")
    #expect(reported.stderr.contains("\(fleets[0])/fleet.md"), "\(reported.stderr)")
    let compared = try await fixture.labrun(["compare", archive, archive])
    #expect(compared.status == 64 && compared.stderr.contains("is a fleet's bundle"), "\(compared)")
    // A command that acts on one host refuses a fleet, saying which ones take it.
    let ping = try await fixture.labrun(["ping", "--host", "sim/gpu-01", "--host", "sim/gpu-02"])
    #expect(ping.status == 64 && ping.stderr.contains("up, exercises, down, run and plan"), "\(ping)")
    let malformed = fixture.root.appending("bad-hosts.txt")
    try Data("sim/gpu-01\nsim/gpu-02 sim_scenario='runtime-runc\n".utf8).write(to: malformed)
    let refused = try await fixture.labrun(["run", "--hosts", malformed.path])
    #expect(refused.status == 64, "\(refused)")
    #expect(refused.stderr.contains("bad-hosts.txt:2:25: a single quote is not closed"), "\(refused.stderr)")
  }

  /// Acceptance 2 of issue 22: simulated hosts reached over real ssh (`sim+ALIAS`, each its own
  /// machine), one of them unreachable: the others complete, the page names the unreachable one.
  @Test func simulatedHostsOverLoopbackSSHWithOneUnreachable() async throws {
    let (server, config) = try await SimulatedHostOverSSHTests.startServer()
    defer { server.stop() }
    var text = try String(contentsOf: config, encoding: .utf8)
    text += "Host gpu-dead\n  HostName 127.0.0.1\n  Port 1\n  User nobody\n"
    try text.write(to: config, atomically: true, encoding: .utf8)
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let environment = ["HOME": server.clientHome.path, "SSH_AUTH_SOCK": ""]
    let result = try await fixture.labrun(
      [
        "run", "--host", "sim+gpu-vm-a", "--host", "sim+gpu-vm-b", "--host", "sim+gpu-dead", "--host",
        "sim:l4-24gb+gpu-vm-c", "-F", config.path, "--parallel", "4",
      ], environment: environment)
    #expect(result.status == 3, "\(result.stderr.suffix(3000))")
    #expect(result.stdout.contains("**4 hosts: 3 all PASS · 0 with a FAIL"), "\(result.stdout)")
    #expect(result.stdout.contains("· 1 unreachable**"), "\(result.stdout)")
    let dead = result.stdout.split(separator: "\n").first { $0.hasPrefix("| sim+gpu-dead ") }
    #expect(dead?.contains("| unreachable: ") == true, "\(String(describing: dead))")
    // Each alias is its own simulated machine.
    let machines = try FileManager.default.contentsOfDirectory(
      atPath: fixture.home.appendingPathComponent("sim/a6000-48gb/hosts").path)
    #expect(Set(machines) == ["gpu-vm-a", "gpu-vm-b"], "\(machines)")
  }

  /// Ctrl-C stops every host at a resumable point and starts no other; the same command
  /// again resumes the interrupted hosts and runs the rest.
  @Test func interruptedFleetResumes() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let arguments = ["run", "--host", "sim/a", "--host", "sim/b", "--host", "sim/c", "--parallel", "2"]
    let (environment, hold) = try fixture.holdingK3sInstall()
    let running = try fixture.binary.start(arguments, environment: environment)
    let runs = fixture.home.appendingPathComponent("runs")
    // Both slots busy in the held k3s install: each run's ledger has k3s running.
    let deadline = ContinuousClock.now + .seconds(300)
    while ContinuousClock.now < deadline {
      let ids = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
      let inK3s = ids.filter { id in
        let ledger =
          (try? String(contentsOf: runs.appendingPathComponent("\(id)/ledger.json"), encoding: .utf8)) ?? ""
        return ledger.contains("\"k3s\"")
      }
      if inK3s.count == 2 { break }
      try await Task.sleep(for: .milliseconds(100))
    }
    running.kill(SIGINT)
    let interrupted = try await running.wait()
    try FileManager.default.removeItem(at: hold)
    #expect(interrupted.status == 130, "\(interrupted.stderr.suffix(2000))")
    #expect(interrupted.stdout.contains("2 interrupted · 1 not started"), "\(interrupted.stdout)")
    #expect(((try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []).count == 2)
    let again = try await fixture.labrun(arguments)
    #expect(again.status == 0, "\(again.stderr.suffix(3000))")
    #expect(again.stdout.contains("**3 hosts: 3 all PASS"), "\(again.stdout)")
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: runs.path).count == 3, "the two resumed, one new")
  }
}

/// `up`, `exercises`, `plan` and `down` over a fleet through the built binary (issue 22).
@Suite struct FleetPhaseCommandTests {
  @Test func upExercisesDownOverAFleetLeaveTheCurrentRunAlone() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let single = try await fixture.labrun(["up", "--host", "sim/alone"])
    #expect(single.status == 0, "\(single.stderr.suffix(2000))")
    let current = try String(contentsOf: fixture.home.appendingPathComponent("current"), encoding: .utf8)
    let hosts = ["--host", "sim/gpu-01", "--host", "sim/gpu-02", "--host", "sim/gpu-03"]
    let plan = try await fixture.labrun(["plan"] + hosts + ["--phase", "up"])
    #expect(plan.status == 0, "\(plan.stderr)")
    #expect(["# sim/gpu-01\n", "\n# sim/gpu-02\n", "\n# sim/gpu-03\n"].allSatisfy(plan.stdout.contains))
    let up = try await fixture.labrun(
      ["up"] + hosts + ["--hosts", try hostsFile(fixture), "--parallel", "2"])
    #expect(up.status == 1, "gpu-04's k3s install fails once: \(up.stderr.suffix(2000))")
    #expect(up.stdout.contains("**4 hosts: 0 all PASS"), "\(up.stdout)")
    #expect(up.stdout.contains("1 stopped at a failed step") && up.stdout.contains("3 done"), "\(up.stdout)")
    let again = try await fixture.labrun(["up"] + hosts + ["--hosts", try hostsFile(fixture)])
    #expect(again.status == 0, "\(again.stderr.suffix(2000))")
    #expect(again.stderr.contains("continuing fleet"), "\(again.stderr.suffix(2000))")
    let exercises = try await fixture.labrun(["exercises"] + hosts + ["--hosts", try hostsFile(fixture)])
    #expect(exercises.status == 0, "\(exercises.stderr.suffix(2000))")
    #expect(exercises.stdout.contains("**4 hosts: 4 all PASS"), "\(exercises.stdout)")
    let down = try await fixture.labrun(["down"] + hosts + ["--hosts", try hostsFile(fixture)])
    #expect(down.status == 0, "\(down.stderr.suffix(2000))")
    let runs = try FileManager.default.contentsOfDirectory(
      atPath: fixture.home.appendingPathComponent("runs").path)
    #expect(runs.count == 5, "one run per host, the resumed one included, and sim/alone's: \(runs)")
    let after = try String(contentsOf: fixture.home.appendingPathComponent("current"), encoding: .utf8)
    #expect(after == current, "the fleet's host runs left `current` alone")
    let listed = try await fixture.labrun(["runs"])
    #expect(
      listed.stdout.contains("finished    hami-isolation-realgpu, 4 hosts, last exit 0"), "\(listed.stdout)")
  }

  func hostsFile(_ fixture: SelfTestLabFixture) throws -> String {
    let file = fixture.root.appending("hosts.txt")
    try Data("sim/gpu-04 sim_scenario=k3s-install-fails-once\n".utf8).write(to: file)
    return file.path
  }
}
