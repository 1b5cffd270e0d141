import Foundation
import LabPipeline
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The hami-isolation-realgpu lab on the simulated GPU host, through the built binary.
@Suite struct SimulatedHostTests {
  /// `labrun verify`'s verdict per exercise number.
  static func verdicts(_ output: String) -> [String] {
    output.split(separator: "\n").compactMap { line in
      let fields = line.split(separator: " ", omittingEmptySubsequences: true)
      guard fields.count >= 2, Int(fields[0]) != nil else { return nil }
      return String(fields[1])
    }
  }

  static func simState(
    _ fixture: SelfTestLabFixture, profile: String = "a6000-48gb", machine: String? = nil
  ) -> [String: Any]? {
    let file = fixture.home.appendingPathComponent(
      simDirectory(profile: profile, machine: machine) + "/state.json")
    guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
    return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
  }

  /// A simulated machine's directory under the state directory: `sim/PROFILE`, or
  /// `sim/PROFILE/hosts/NAME` for `sim/NAME` and `sim+ALIAS`.
  static func simDirectory(profile: String = "a6000-48gb", machine: String? = nil) -> String {
    "sim/\(profile)" + (machine.map { "/hosts/\($0)" } ?? "")
  }

  /// The one full default run of the lab on this machine through the binary; the claims of
  /// the simulated page (SimulatedPageTests), the golden transcript and a teardown that leaves
  /// nothing of HAMi (once RealVMFidelityTests') are checked on it too: each once made a run
  /// of its own.
  @Test func fullLabPassesEveryExerciseAndIsSimulated() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    // Its speed is measured by `make bench`, not asserted here: this machine is shared.
    let run = try await fixture.labrun(["run", "--host", "sim"])
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.contains("🧪 SIMULATED"), "\(run.stdout.prefix(400))")
    let directory = try fixture.onlyRun()
    let page = try String(contentsOf: directory.appendingPathComponent("validation.md"), encoding: .utf8)
    #expect(page == run.stdout)
    try SimulatedPageTests.theSimulatedPageSaysWhatItIsOnce(page: run.stdout, directory: directory)
    try Self.commandsSentMatchTheGoldenTranscript(fixture)
    Self.teardownLeftNothingOfHAMi(fixture)
    let intact = await SelfTestLabFixture.checksumsVerify(directory)
    #expect(intact)
    let artifacts = directory.appendingPathComponent("artifacts")
    for name in try FileManager.default.contentsOfDirectory(atPath: artifacts.path) where name != "SHA256SUMS"
    {
      let text = try String(contentsOf: artifacts.appendingPathComponent(name), encoding: .utf8)
      #expect(text.hasPrefix(Artifact.simulatedMarker + "\n"), "\(name) lacks the SIMULATED marker")
    }
    let verify = try await fixture.labrun(["verify"])
    #expect(verify.status == 3, "\(verify)")
    #expect(Self.verdicts(verify.stdout) == ["PASS", "PASS", "PASS", "PASS", "PASS"], "\(verify.stdout)")
    let record = try String(contentsOf: directory.appendingPathComponent("run.json"), encoding: .utf8)
    #expect(record.contains("\"kind\" : \"simulated\"") || record.contains("\"kind\":\"simulated\""))
    #expect(record.contains("oversubscribe_mib"))
    // down left the simulated node as up found it (k3s stays without --purge).
    let state = try #require(Self.simState(fixture))
    #expect((state["pods"] as? [Any])?.isEmpty == true)
    #expect(state["hamiStatus"] == nil)
    #expect((state["nodeLabels"] as? [String: String])?.isEmpty == true)
  }

  /// One FAIL scenario through the built binary; view-only and oversubscribe-scheduled are
  /// judged in-process (TargetsTests' HAMiLabScenarioTests).
  @Test(arguments: [
    ("runtime-runc", ["PASS", "FAIL", "FAIL", "PASS", "FAIL"])
  ])
  func scenarioGivesItsVerdicts(scenario: String, expected: [String]) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(["run", "--host", "sim", "--param", "sim_scenario=\(scenario)"])
    // Issue 10: the exercises completed and some FAILED: exit 5, the verdicts said on stderr.
    #expect(run.status == 5, "\(run)")
    let failed = expected.filter { $0 == "FAIL" }.count
    #expect(
      run.stderr.contains("verdicts: \(5 - failed) PASS, \(failed) FAIL; STATUS: SIMULATED"), "\(run.stderr)")
    #expect(run.stderr.contains("exit 5: the exercises completed and the evidence contradicts a claim"))
    let verify = try await fixture.labrun(["verify"])
    #expect(verify.status == 3, "\(verify)")
    #expect(Self.verdicts(verify.stdout) == expected, "\(verify.stdout)")
    // Acceptance 3: the JUnit report of that run parses, with one failure per FAIL.
    let junit = try await fixture.labrun(["report", "--format", "junit"])
    #expect(junit.status == 0, "\(junit)")
    let parsed = try #require(JUnitDocument(xml: junit.stdout), "\(junit.stdout)")
    #expect(parsed.testcases.count == 5)
    #expect(parsed.failures.count == failed)
    #expect(parsed.errors.isEmpty)
  }

  /// The verdicts decide `exercises`' exit status too (0, then 6 once evidence is missing),
  /// and a bundle packs to the same bytes after another labrun command touched the run.
  @Test func exercisesSayTheirVerdictsAndBundlesStayReproducible() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(["up", "--host", "sim"])
    #expect(up.status == 0, "\(up)")
    let exercises = try await fixture.labrun(["exercises"])
    #expect(exercises.status == 0, "\(exercises)")
    #expect(exercises.stderr.contains("verdicts: 5 PASS; STATUS: SIMULATED"), "\(exercises.stderr)")
    let directory = try fixture.onlyRun()
    let first = fixture.root.appending("one.tar.gz")
    let second = fixture.root.appending("two.tar.gz")
    #expect(try await fixture.labrun(["bundle", "-o", first.path]).status == 0)
    let again = try await fixture.labrun(["exercises"])
    #expect(again.status == 0, "\(again)")
    #expect(again.stderr.contains("done in an earlier invocation"), "\(again.stderr)")
    #expect(try await fixture.labrun(["bundle", "-o", second.path]).status == 0)
    #expect(try Data(contentsOf: first) == Data(contentsOf: second), "packings around `exercises` differ")
    // run.json is covered: SHA256SUMS lists it, and sha256sum agrees.
    let check = await Sha256sum.check(in: directory.appendingPathComponent("artifacts"))
    #expect(check.status == 0 && check.output.contains("../run.json: OK"), "\(check.output)")
    // Pod b's probe lost (its checksum line too): exercise 2 and 3 are INCONCLUSIVE, exit 6.
    let artifacts = directory.appendingPathComponent("artifacts")
    try FileManager.default.removeItem(at: artifacts.appendingPathComponent("2-3-probe-memory-b.txt"))
    let sums = artifacts.appendingPathComponent("SHA256SUMS")
    let kept = try String(contentsOf: sums, encoding: .utf8).split(separator: "\n")
      .filter { !$0.hasSuffix("2-3-probe-memory-b.txt") }.map { $0 + "\n" }.joined()
    try Data(kept.utf8).write(to: sums)
    let inconclusive = try await fixture.labrun(["exercises"])
    #expect(inconclusive.status == 6, "\(inconclusive)")
    #expect(inconclusive.stderr.contains("2-3-probe-memory-b.txt missing"), "\(inconclusive.stderr)")
    #expect(try await fixture.labrun(["down"]).status == 0)
  }

  @Test func secondUpSkipsEveryStep() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let first = try await fixture.labrun(["up", "--host", "sim"])
    #expect(first.status == 0, "\(first)")
    // The first run owns the host until its down (issue 11): the second takes it over.
    let second = try await fixture.labrun(["up", "--host", "sim", "--new-run", "--break-lock"])
    #expect(second.status == 0, "\(second)")
    let runs = try fixture.runDirectories()
    try #require(runs.count == 2)
    var states = try fixture.states(runs[1], .up)
    #expect(states.count == 9)
    #expect(states.removeValue(forKey: "claim-host") == .done)
    #expect(states.values.allSatisfy { $0 == .skippedAlreadySatisfied }, "\(states)")
    // The environment artifacts are captured even when every step was satisfied.
    let artifacts = try FileManager.default.contentsOfDirectory(
      atPath: runs[1].appendingPathComponent("artifacts").path)
    for name in [
      "0-host-gpu.txt", "0-os.txt", "0-k8s-nodes.txt", "0-default-runtime.txt", "0-helm-release.txt",
    ] {
      #expect(artifacts.contains(name), "\(name) missing from the second run")
    }
  }

  @Test(arguments: [
    ("gpu-operator-present", "sim", "GPU Operator runs"),
    ("device-plugin-present", "sim", "NVIDIA device plugin runs"),
    ("driver-broken", "sim", "nvidia-smi does not work"),
    ("mig-enabled", "sim", "MIG is enabled"),
    ("sudo-password", "sim", "sudo needs a password"),
    ("not-apt", "sim", "is not apt-based"),
    ("disk-short", "sim", "free under /var/lib"),
    ("none", "sim:tiny-2gb", "too little for two slices"),
  ])
  func preflightRefusesBeforeAnyChange(scenario: String, host: String, message: String) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(["up", "--host", host, "--param", "sim_scenario=\(scenario)"])
    #expect(up.status != 0, "\(up)")
    #expect(up.stderr.contains("preflight refused the host before changing anything"), "\(up.stderr)")
    #expect(up.stderr.contains(message), "\(up.stderr)")
    let directory = try fixture.onlyRun()
    #expect(try fixture.transcript(directory).allSatisfy { !$0.command.hasPrefix("sudo -n sh -c") })
    let profile = host == "sim" ? "a6000-48gb" : String(host.dropFirst(4))
    let changes = Self.simState(fixture, profile: profile)?["changes"] as? [String] ?? []
    #expect(changes.isEmpty, "the host was changed: \(changes)")
  }

  @Test func k3sInstallFailingOnceResumesAtThatStep() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let first = try await fixture.labrun([
      "up", "--host", "sim", "--param", "sim_scenario=k3s-install-fails-once",
    ])
    #expect(first.status != 0, "\(first)")
    #expect(first.stderr.contains("step k3s"), "\(first.stderr)")
    let directory = try fixture.onlyRun()
    #expect(try fixture.states(directory, .up)["k3s"] == .failed)
    let second = try await fixture.labrun([
      "up", "--host", "sim", "--param", "sim_scenario=k3s-install-fails-once",
    ])
    #expect(second.status == 0, "\(second)")
    #expect(try fixture.runDirectories().count == 1, "the second up must resume the same run")
    let states = try fixture.states(directory, .up)
    #expect(states["k3s"] == .done)
    #expect(states["hami"] == .done)
    #expect(
      second.stderr.contains("container-toolkit skipped: done in an earlier invocation"), "\(second.stderr)")
  }

  @Test func killedDuringUpThenRerunCompletes() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let (environment, hold) = try fixture.holdingK3sInstall()
    let started = try fixture.binary.start(["up", "--host", "sim"], environment: environment)
    let sawRunning = try await fixture.waitUntilRunning("k3s")
    started.kill(SIGKILL)
    let killed = try await started.wait()
    try FileManager.default.removeItem(at: hold)
    try #require(sawRunning, "the k3s step never showed as running: \(killed)")
    #expect(killed.killedBySignal)
    let rerun = try await fixture.labrun(["up", "--host", "sim"])
    #expect(rerun.status == 0, "\(rerun)")
    let states = try fixture.states(try fixture.onlyRun(), .up)
    #expect(states.values.allSatisfy { $0 == .done || $0 == .skippedAlreadySatisfied }, "\(states)")
  }

  @Test func nothingOutsideTheClosedPathRuns() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let trap = fixture.root.appending("trap")
    let canary = fixture.root.appending("canary")
    try FileManager.default.createDirectory(at: trap, withIntermediateDirectories: true)
    for name in [
      "apt-get", "sudo", "curl", "systemctl", "kubectl", "helm", "k3s", "nvidia-smi", "gpg", "dpkg-query",
    ] {
      let script = trap.appendingPathComponent(name)
      try "#!/bin/sh\necho \"\(name) $*\" >> '\(canary.path)'\nexit 0\n".write(
        to: script, atomically: true, encoding: .utf8)
      chmod(script.path, 0o755)
    }
    let path = trap.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    let run = try await fixture.labrun(
      ["run", "--host", "sim", "--purge"], environment: ["PATH": path])
    #expect(run.status == 0, "\(run)")
    let ran = (try? String(contentsOf: canary, encoding: .utf8)) ?? ""
    #expect(ran.isEmpty, "commands outside the simulated host's PATH ran: \(ran)")
    // --purge left nothing: k3s and the toolkit are gone from the simulated host.
    let state = try #require(Self.simState(fixture))
    #expect(state["k3sVersion"] == nil)
    #expect(state["toolkitInstalled"] as? Bool == false)
  }

  @Test func planListsEveryStepAndChangesNothing() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let plan = try await fixture.labrun(["plan", "--host", "sim"])
    #expect(plan.status == 0, "\(plan)")
    for id in [
      "preflight", "container-toolkit", "k3s", "node-ready", "default-runtime", "gpu-label", "helm", "hami",
      "sizes",
      "co-residency", "probe-memory-a", "probe-memory-b", "oversubscribe", "mechanism", "delete-lab-objects",
      "uninstall-hami", "remove-gpu-label", "verify-clean",
    ] {
      #expect(plan.stdout.contains(" \(id): "), "plan lacks \(id)")
    }
    #expect(plan.stdout.contains("--default-runtime nvidia --write-kubeconfig-mode 644"))
    #expect(!FileManager.default.fileExists(atPath: fixture.home.appendingPathComponent("sim").path))
    #expect(try fixture.runDirectories().isEmpty)
  }

  @Test func aStuckHAMiReleaseIsClearedOnTheNextUp() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let arguments = ["up", "--host", "sim", "--param", "sim_scenario=hami-release-stuck"]
    let first = try await fixture.labrun(arguments)
    #expect(first.status != 0, "\(first)")
    #expect(first.stderr.contains("step hami"), "\(first.stderr)")
    let second = try await fixture.labrun(arguments)
    #expect(second.status == 0, "\(second)")
    #expect(second.stderr.contains("clearing the stuck HAMi release (status failed)"), "\(second.stderr)")
    let commands = try fixture.transcript(try fixture.onlyRun()).map(\.command)
    #expect(
      commands.contains("KUBECONFIG=/etc/rancher/k3s/k3s.yaml helm -n kube-system uninstall hami --wait"))
  }

  /// Defect 8: teardown removes what HAMi leaves behind. After a default run (the one full
  /// default run, ``fullLabPassesEveryExerciseAndIsSimulated()``; once RealVMFidelityTests'
  /// own) nothing of HAMi is left: no secret, no node annotation, none of HAMi-core's files.
  static func teardownLeftNothingOfHAMi(_ fixture: SelfTestLabFixture) {
    let state = Self.simState(fixture) ?? [:]
    #expect((state["secrets"] as? [String])?.isEmpty == true, "\(String(describing: state["secrets"]))")
    #expect((state["nodeAnnotations"] as? [String: String])?.isEmpty == true)
    let files = (state["files"] as? [String: String] ?? [:]).keys
    #expect(!files.contains { $0.hasPrefix("/usr/local/vgpu/") || $0.hasPrefix("/tmp/vgpulock") }, "\(files)")
  }

  /// The exact commands each step sent, in order, with their exit status (from transcript.jsonl),
  /// of a default run (``fullLabPassesEveryExerciseAndIsSimulated()``).
  static func commandsSentMatchTheGoldenTranscript(_ fixture: SelfTestLabFixture) throws {
    let text = try fixture.transcript(try fixture.onlyRun())
      .map { "\($0.step) [\($0.exitStatus.map(String.init) ?? "-")] \($0.command)\n" }.joined()
    let golden = try Fixtures.golden("sim-run-commands.txt")
    if ProcessInfo.processInfo.environment["LABRUN_UPDATE_GOLDEN"] == "1" {
      try text.write(to: golden, atomically: true, encoding: .utf8)
    }
    let expected = try String(contentsOf: golden, encoding: .utf8)
    #expect(text == expected, "the commands changed; review and regenerate with LABRUN_UPDATE_GOLDEN=1")
  }

  @Test(arguments: [
    (["--host", "sim:no-such-card"], "unknown simulated card 'no-such-card'"),
    (
      ["--host", "sim", "--param", "sim_scenario=no-such-scenario"], "unknown sim_scenario 'no-such-scenario'"
    ),
  ])
  func unknownCardOrScenarioIsRefusedWithTheChoices(arguments: [String], message: String) async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(["up"] + arguments)
    #expect(up.status != 0, "\(up)")
    #expect(up.stderr.contains(message), "\(up.stderr)")
    #expect(up.stderr.contains("a6000-48gb") || up.stderr.contains("runtime-runc"), "\(up.stderr)")
  }

  @Test func downFailsNamingWhatIsLeft() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(["run", "--host", "sim", "--param", "sim_scenario=label-sticks"])
    #expect(run.status != 0, "\(run)")
    #expect(run.stderr.contains("teardown left: the gpu=on node label"), "\(run.stderr)")
    #expect(run.stdout.contains("🧪 SIMULATED"), "the page is still written before down")
    let states = try fixture.states(try fixture.onlyRun(), .down)
    #expect(states["verify-clean"] == .failed)
    #expect(states["delete-lab-objects"] == .done && states["uninstall-hami"] == .done)
  }
}
