import Foundation
import LabPipeline
import TestSupport
import Testing

/// Issue 11: what the lab sends works on a fresh Ubuntu GPU VM, and the simulated host fails
/// where a real one fails. Issue 12 items 3, 4 and 5: teardown that does what was asked,
/// and a slice that cannot fit refused at preflight. Every test runs the built binary.
@Suite struct RealVMFidelityTests {
  static func simState(_ fixture: SelfTestLabFixture, profile: String = "a6000-48gb") -> [String: Any] {
    SimulatedHostTests.simState(fixture, profile: profile) ?? [:]
  }

  /// `labrun plan --json` of an ssh target: every command of every phase.
  static func plannedCommands(_ fixture: SelfTestLabFixture, _ extra: [String] = []) async throws -> [String]
  {
    let plan = try await fixture.labrun(["plan", "--host", "user@203.0.113.7", "--json"] + extra)
    #expect(plan.status == 0, "\(plan)")
    let document = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
    let steps = document?["steps"] as? [[String: Any]] ?? []
    return steps.flatMap { $0["commands"] as? [String] ?? [] }
  }

  static func plannedSteps(_ fixture: SelfTestLabFixture, _ extra: [String]) async throws -> [String: [String:
    Any]]
  {
    let plan = try await fixture.labrun(["plan", "--host", "user@203.0.113.7", "--json"] + extra)
    #expect(plan.status == 0, "\(plan)")
    let document = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any]
    let steps = document?["steps"] as? [[String: Any]] ?? []
    return Dictionary(steps.map { ($0["id"] as? String ?? "", $0) }) { first, _ in first }
  }

  /// Defects 1, 2, 6, 7, 9 and 11 as `labrun plan` shows them (acceptance 2).
  @Test func planShowsCommandsThatWorkOnAFreshVM() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let commands = try await Self.plannedCommands(fixture, ["--purge"])
    let text = commands.joined(separator: "\n")
    // 1: helm's installer is bash, at a pinned release.
    #expect(text.contains("helm/helm/v3.18.4/scripts/get-helm-3"), "\(text)")
    #expect(text.contains("DESIRED_VERSION=v3.18.4"))
    #expect(text.contains("bash \"$d/get-helm-3\""))
    #expect(!text.contains("sh /tmp/labrun-get-helm-3.sh"))
    // 2: apt waits for its locks.
    #expect(text.contains("apt-get -o DPkg::Lock::Timeout=600 install"))
    #expect(text.contains("apt-get -o DPkg::Lock::Timeout=600 purge"))
    #expect(text.contains("Could not get lock"))
    // 6: no download piped into the next command.
    for command in commands where command.contains("curl ") {
      #expect(
        !command.contains("| sed") && !command.contains("| gpg") && !command.contains("| tee"), "\(command)")
    }
    // 7: private download directories, the k3s installer of the pinned release.
    #expect(!text.contains("/tmp/labrun-"))
    #expect(text.contains("d=$(mktemp -d) && trap "))
    #expect(text.contains("https://raw.githubusercontent.com/k3s-io/k3s/v1.33.5%2Bk3s1/install.sh"))
    #expect(!text.contains("https://get.k3s.io"))
    // 9: EndpointSlices, not the deprecated v1 Endpoints.
    #expect(text.contains("get endpointslices -l kubernetes.io/service-name=hami-scheduler"))
    #expect(!text.contains("get endpoints "))
    // 11: plan --purge shows the purge commands.
    #expect(text.contains("k3s-uninstall.sh"))
    #expect(text.contains("/usr/local/bin/helm"))
    #expect(text.contains("rm -rf \"$HOME/.config/helm\" \"$HOME/.cache/helm\""))
    let plain = try await Self.plannedCommands(fixture).joined(separator: "\n")
    #expect(!plain.contains("k3s-uninstall.sh"))
  }

  /// Every planned command is valid POSIX sh for dash, Ubuntu's /bin/sh.
  @Test func everyPlannedCommandParsesUnderDash() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let dash = "/usr/bin/dash"
    #expect(FileManager.default.isExecutableFile(atPath: dash), "install dash: apt-get install dash")
    for command in try await Self.plannedCommands(fixture, ["--purge"]) {
      // Placeholders (`<node>`) parse as redirections: only the syntax is checked.
      let checked = await SpawnedProcess.completed([dash, "-n", "-c", command])
      #expect(checked.status == 0, "dash -n rejects: \(command)\n\(checked.output)")
    }
  }

  /// `script` on a simulated host `up` has set up (refused at preflight: nothing installed),
  /// in its closed environment, as the lab's commands run.
  static func onSimulatedHost(
    _ fixture: SelfTestLabFixture, scenario: String, _ script: String, environment: [String: String] = [:]
  ) async throws -> (status: Int32, output: String) {
    let up = try await fixture.labrun([
      "up", "--host", "sim", "--param", "sim_scenario=\(scenario)", "--param", "slice_mib=30000",
    ])
    #expect(up.status == 1, "\(up)")
    let directory = fixture.home.appendingPathComponent("sim/a6000-48gb").path
    var variables = [
      "PATH": directory + "/bin", "HOME": directory + "/home", "LABRUN_SIM_DIR": directory,
      "TMPDIR": directory + "/tmp", "LC_ALL": "C",
    ]
    variables["LD_LIBRARY_PATH"] = ProcessInfo.processInfo.environment["LD_LIBRARY_PATH"]
    variables.merge(environment) { $1 }
    return await SpawnedProcess.completed([directory + "/bin/sh", "-c", script], environment: variables)
  }

  /// Defect 1, as the simulated host enforces it: helm's installer passes its curl check only
  /// under bash, as the real `get-helm-3` does under dash.
  @Test func simulatedHelmInstallerNeedsBash() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let download =
      "d=$(mktemp -d) && curl -fsSL -o \"$d/get-helm-3\" https://raw.githubusercontent.com/helm/helm/v3.18.4/scripts/get-helm-3"
    let dash = try await Self.onSimulatedHost(
      fixture, scenario: "none", download + " && sh \"$d/get-helm-3\"")
    #expect(dash.status == 1, "\(dash.output)")
    #expect(dash.output.contains("Either curl or wget is required"), "\(dash.output)")
    let bash = try await Self.onSimulatedHost(
      fixture, scenario: "none", download + " && DESIRED_VERSION=v3.18.4 bash \"$d/get-helm-3\"")
    #expect(bash.status == 0, "\(bash.output)")
    #expect(bash.output.contains("helm installed into /usr/local/bin/helm"), "\(bash.output)")
  }

  /// Defect 2 and 7, as the simulated host enforces them: apt's locks, and no file written
  /// outside the host's own directory.
  @Test func simulatedHostHonoursAptLocksAndKeepsOutOfTmp() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let locked = try await Self.onSimulatedHost(
      fixture, scenario: "apt-locked",
      "apt-get update; echo \"update=$?\"; apt-get remove -y nvidia-container-toolkit; echo \"remove=$?\"; "
        + "apt-get -o DPkg::Lock::Timeout=60 remove -y nvidia-container-toolkit; echo \"waited=$?\"",
      environment: ["LABRUN_SIM_APT_LOCK_MS": "3000"])
    #expect(locked.output.contains("E: Could not get lock /var/lib/apt/lists/lock"), "\(locked.output)")
    #expect(locked.output.contains("update=100"), "\(locked.output)")
    #expect(locked.output.contains("E: Could not get lock /var/lib/dpkg/lock-frontend"), "\(locked.output)")
    #expect(locked.output.contains("remove=100"), "\(locked.output)")
    #expect(locked.output.contains("waited=0"), "\(locked.output)")
    let name = "labrun-sim-probe-\(UUID().uuidString)"
    let tmp = try await Self.onSimulatedHost(
      fixture, scenario: "apt-locked", "curl -sfL -o /tmp/\(name) https://get.k3s.io")
    #expect(tmp.status == 23, "\(tmp.output)")
    #expect(!FileManager.default.fileExists(atPath: "/tmp/" + name))
  }

  /// Defect 3: a step that waits as long as a parameter says outlives that wait.
  @Test func stepTimeoutsFollowTheirWaitParameters() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let steps = try await Self.plannedSteps(
      fixture,
      [
        "--param", "pod_ready_timeout=7200s", "--param", "hami_ready_timeout=7200s", "--param",
        "node_ready_timeout=7200s", "--param", "event_timeout=3600s",
      ])
    for (id, wait) in [
      ("co-residency", 7200.0), ("hami", 3 * 7200.0), ("node-ready", 7200.0), ("oversubscribe", 3600.0),
    ] {
      let timeout = steps[id]?["timeout_s"] as? Double ?? 0
      #expect(timeout > wait, "\(id): step timeout \(timeout)s does not outlive its \(wait)s wait")
    }
  }

  /// Defect 2: a fresh VM whose apt is locked for a while; up waits and needs no retry.
  @Test func aptLockedHostWaitsForTheLockAndPasses() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(
      ["run", "--host", "sim", "--param", "sim_scenario=apt-locked"],
      environment: ["LABRUN_SIM_APT_LOCK_MS": "5000"])
    #expect(run.status == 0, "\(run)")
    let directory = try fixture.onlyRun()
    let toolkit = try fixture.ledger(directory).entry(phase: .up, stepID: "container-toolkit")
    #expect(toolkit?.attempts == 1, "apt's lock made the step fail and retry: \(String(describing: toolkit))")
    let verify = try await fixture.labrun(["verify"])
    #expect(
      SimulatedHostTests.verdicts(verify.stdout) == ["PASS", "PASS", "PASS", "PASS", "PASS"], "\(verify)")
  }

  /// Defect 4: a provider image with Docker and the toolkit: `down --purge` keeps them and says so.
  @Test func purgeKeepsWhatWasInstalledBeforeUp() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(
      ["run", "--host", "sim", "--param", "sim_scenario=preinstalled-toolkit", "--purge"])
    #expect(run.status == 0, "\(run)")
    #expect(
      run.stderr.contains(
        "kept the NVIDIA Container Toolkit and its apt source: they were on the host before this run's up"),
      "\(run.stderr)")
    let state = Self.simState(fixture)
    #expect(state["toolkitInstalled"] as? Bool == true, "the preinstalled toolkit was removed")
    #expect(state["dockerInstalled"] as? Bool == true)
    let files = state["files"] as? [String: String] ?? [:]
    #expect(files["/etc/apt/sources.list.d/nvidia-container-toolkit.list"] != nil)
    #expect(state["k3sVersion"] == nil, "k3s, which labrun installed, is purged")
    let record = try String(
      contentsOf: try fixture.onlyRun().appendingPathComponent("run.json"), encoding: .utf8)
    #expect(record.contains("\"installed_toolkit\" : false"), "\(record)")
    #expect(record.contains("\"installed_k3s\" : true"), "\(record)")
  }

  /// Defect 5: two cards, HAMi spreading by default: the pods are pinned to one, by the evidence.
  @Test func twoGPUHostPassesWithBothPodsOnOneGPU() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(["run", "--host", "sim:2x-a6000-48gb"])
    #expect(run.status == 0, "\(run)")
    let verify = try await fixture.labrun(["verify"])
    #expect(
      SimulatedHostTests.verdicts(verify.stdout) == ["PASS", "PASS", "PASS", "PASS", "PASS"], "\(verify)")
    let artifacts = try fixture.onlyRun().appendingPathComponent("artifacts")
    let host = try String(contentsOf: artifacts.appendingPathComponent("0-host-gpu.txt"), encoding: .utf8)
    #expect(host.contains("GPU 1: NVIDIA RTX A6000"), "the host shows two GPUs")
    let coResidency = try String(
      contentsOf: artifacts.appendingPathComponent("1-co-residency.txt"), encoding: .utf8)
    let allocations = coResidency.split(separator: "\n").filter { $0.hasPrefix("GPU-") && $0.hasSuffix(":;") }
    #expect(allocations.count == 2, "\(coResidency)")
    #expect(Set(allocations.map { $0.split(separator: ",")[0] }).count == 1, "\(coResidency)")
  }

  /// Defect 10: an image that cannot be pulled fails the exercises at once, naming why.
  @Test func imagePullFailureStopsTheWaitAtOnce() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(["up", "--host", "sim", "--param", "sim_scenario=image-pull-fails"])
    #expect(up.status == 0, "\(up)")
    let start = Date()
    let exercises = try await fixture.labrun(["exercises"])
    #expect(exercises.status == 1, "\(exercises)")
    #expect(Date().timeIntervalSince(start) < 120, "the wait ran toward pod_ready_timeout (900s)")
    #expect(
      exercises.stderr.contains("ImagePullBackOff") || exercises.stderr.contains("ErrImagePull"),
      "\(exercises.stderr)")
    #expect(exercises.stderr.contains("429 Too Many Requests"), "the event is quoted: \(exercises.stderr)")
  }

  /// Defect 10: the default probe image's driver requirement is checked before any change.
  @Test func oldDriverIsRefusedAtPreflight() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(["up", "--host", "sim", "--param", "sim_scenario=old-driver"])
    #expect(up.status == 1, "\(up)")
    #expect(
      up.stderr.contains("needs an NVIDIA driver of the 470, 525, 535 branch or 550.54.15"), "\(up.stderr)")
    #expect((Self.simState(fixture)["changes"] as? [String] ?? []).isEmpty)
    let custom = try await fixture.labrun([
      "up", "--host", "sim", "--new-run", "--param", "sim_scenario=old-driver", "--param",
      "probe_image=nvidia/cuda:11.8.0-devel-ubuntu22.04",
    ])
    #expect(custom.stderr.contains("its driver requirement is not checked"), "\(custom.stderr)")
  }

  /// Defect 8: `run --purge` on a fresh host (on a used one the next run would find k3s, helm and the
  /// toolkit installed before its up, and keep them) removes what up installed; and the
  /// simulated host writes nothing in this machine's /tmp: every download goes to a private
  /// directory under the host's own TMPDIR, removed afterwards. (Other labruns may run on this
  /// machine at the same time, so /tmp itself is not compared before and after; the simulated
  /// `curl -o` refusing any path outside the host is tested above.)
  @Test func purgeRunLeavesNothingOfHAMiAndWritesNothingInTmp() async throws {
    let fresh = try SelfTestLabFixture()
    defer { fresh.remove() }
    let purge = try await fresh.labrun(["run", "--host", "sim", "--purge"])
    #expect(purge.status == 0, "\(purge)")
    let state = Self.simState(fresh)
    #expect(state["helmInstalled"] as? Bool == false)
    #expect(state["toolkitConfigLeft"] as? Bool == false)
    let left = (state["files"] as? [String: String] ?? [:]).keys
    #expect(!left.contains("/etc/nvidia-container-runtime/config.toml"), "\(left)")
    let helmConfig = fresh.home.appendingPathComponent("sim/a6000-48gb/home/.config/helm").path
    #expect(!FileManager.default.fileExists(atPath: helmConfig))
    let commands = try fresh.transcript(try fresh.onlyRun()).map(\.command)
    let downloads = commands.filter { $0.contains("curl ") }
    #expect(downloads.count == 3, "\(downloads)")
    for command in downloads {
      #expect(command.contains("d=$(mktemp -d) && trap "), "\(command)")
      #expect(!command.contains("/tmp/"), "\(command)")
    }
    let tmp = fresh.home.appendingPathComponent("sim/a6000-48gb/tmp").path
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: tmp).isEmpty, "private directories left in \(tmp)")
  }

  /// One run owns a host from up until its down completes (issue 11, acceptance 4).
  @Test func secondRunIsRefusedUntilTheOwnerIsDown() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let first = try await fixture.labrun(["up", "--host", "sim"])
    #expect(first.status == 0, "\(first)")
    let owner = try fixture.onlyRun().lastPathComponent
    let second = try await fixture.labrun(["up", "--host", "sim", "--new-run"])
    #expect(second.status == 1, "\(second)")
    #expect(second.stderr.contains("the host is owned by run \(owner)"), "\(second.stderr)")
    let down = try await fixture.labrun(["down", "--run", owner])
    #expect(down.status == 0, "\(down)")
    let again = try await fixture.labrun(["up", "--host", "sim"])
    #expect(again.status == 0, "\(again)")
    #expect(again.stderr.contains("resuming run"), "the refused run resumes: \(again.stderr)")
  }

  /// `up --break-lock` takes the host over, naming the owner.
  @Test func breakLockTakesTheHostOver() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let first = try await fixture.labrun(["up", "--host", "sim"])
    #expect(first.status == 0, "\(first)")
    let owner = try fixture.onlyRun().lastPathComponent
    let second = try await fixture.labrun(["up", "--host", "sim", "--new-run", "--break-lock"])
    #expect(second.status == 0, "\(second)")
    #expect(
      second.stderr.contains("--break-lock: taking the host over from run \(owner)"), "\(second.stderr)")
    // The old run no longer owns the host: its down leaves the new owner's lab alone.
    let taker = try fixture.runDirectories().map(\.lastPathComponent).first { $0 != owner } ?? ""
    let down = try await fixture.labrun(["down", "--run", owner])
    #expect(down.status == 1, "\(down)")
    #expect(down.stderr.contains("the host is owned by run \(taker)"), "\(down.stderr)")
    #expect(Self.simState(fixture)["hamiStatus"] as? String == "deployed", "the owner's HAMi was removed")
  }

  /// A `run` refused at up (another run owns the host) does not tear the owner's lab down.
  @Test func refusedRunLeavesTheOwnersLabAlone() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let first = try await fixture.labrun(["up", "--host", "sim"])
    #expect(first.status == 0, "\(first)")
    let owner = try fixture.onlyRun().lastPathComponent
    let second = try await fixture.labrun(["run", "--host", "sim", "--new-run"])
    #expect(second.status == 1, "\(second)")
    #expect(second.stderr.contains("the host is owned by run \(owner)"), "\(second.stderr)")
    let state = Self.simState(fixture)
    #expect(state["hamiStatus"] as? String == "deployed", "the refused run's down removed the owner's HAMi")
    #expect((state["nodeLabels"] as? [String: String])?["gpu"] == "on")
  }

  /// Issue 12 item 3: `down --purge` after `down` purges.
  @Test func purgeAfterAPlainDownStillPurges() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(["up", "--host", "sim"])
    #expect(up.status == 0, "\(up)")
    // Step words say what happened, not "skipped: already satisfied".
    #expect(up.stderr.contains("preflight preflight passed: NVIDIA RTX A6000, 49140 MiB"), "\(up.stderr)")
    let down = try await fixture.labrun(["down"])
    #expect(down.status == 0, "\(down)")
    #expect(down.stderr.contains("purge-k3s kept k3s: no --purge"), "\(down.stderr)")
    #expect(!down.stderr.contains("purge-k3s skipped: already satisfied"), "\(down.stderr)")
    #expect(Self.simState(fixture)["k3sVersion"] as? String != nil)
    let purge = try await fixture.labrun(["down", "--purge"])
    #expect(purge.status == 0, "\(purge)")
    // No step of up, down or the later purge falls back to the bare engine words.
    for output in [up.stderr, down.stderr, purge.stderr] {
      #expect(!output.contains("skipped: already satisfied"), "\(output)")
    }
    #expect(purge.stderr.contains("delete-lab-objects no lab pods or ConfigMaps left"), "\(purge.stderr)")
    let state = Self.simState(fixture)
    #expect(state["k3sVersion"] == nil, "k3s is still installed after down --purge")
    #expect(state["toolkitInstalled"] as? Bool == false)
  }

  /// Issue 12 item 4: a rerun of a failed `down` tries the removal again.
  @Test func failedVerificationReopensTheRemoval() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    #expect(
      try await fixture.labrun(["up", "--host", "sim", "--param", "sim_scenario=label-sticks"]).status == 0)
    let first = try await fixture.labrun(["down"])
    #expect(first.status == 1, "\(first)")
    #expect(first.stderr.contains("teardown left: the gpu=on node label"), "\(first.stderr)")
    let second = try await fixture.labrun(["down"])
    #expect(second.status == 1, "\(second)")
    let removals = try fixture.transcript(try fixture.onlyRun()).filter {
      $0.command.hasPrefix("kubectl label node") && $0.command.hasSuffix(" gpu-")
    }
    #expect(removals.count == 2, "the rerun only verified again: \(removals.map(\.command))")
  }

  /// Issue 12 item 5: an explicit slice that cannot fit is refused before any change.
  @Test func explicitSliceThatCannotFitIsRefused() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(["up", "--host", "sim", "--param", "slice_mib=30000"])
    #expect(up.status == 1, "\(up)")
    #expect(
      up.stderr.contains("slice_mib=30000 does not fit six times on the card's 49140 MiB"), "\(up.stderr)")
    #expect(up.stderr.contains("the largest slice that fits is 8000 MiB"), "\(up.stderr)")
    #expect((Self.simState(fixture)["changes"] as? [String] ?? []).isEmpty)
  }

  /// The default's value given explicitly is the user's choice too: refused, not lowered.
  @Test func explicitDefaultSliceThatCannotFitIsRefused() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(["up", "--host", "sim:l4-24gb", "--param", "slice_mib=8000"])
    #expect(up.status == 1, "\(up)")
    #expect(
      up.stderr.contains("slice_mib=8000 does not fit six times on the card's 23034 MiB"), "\(up.stderr)")
    #expect(up.stderr.contains("the largest slice that fits is 3500 MiB"), "\(up.stderr)")
    #expect((Self.simState(fixture)["changes"] as? [String] ?? []).isEmpty)
    // Not given, the default is lowered to what fits, as before.
    let plain = try await fixture.labrun(["up", "--host", "sim:l4-24gb"])
    #expect(plain.status == 0, "\(plain)")
  }
}
