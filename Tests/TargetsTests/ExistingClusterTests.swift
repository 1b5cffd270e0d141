import Foundation
import LabPipeline
import Remote
import TestSupport
import Testing

@testable import LabSim
@testable import Labs
@testable import Targets

/// `--kubeconfig FILE [--context NAME]` in-process: the kubeconfig's refusals, kubectl pinned to
/// the context and labrun's namespace, a real kubectl's unreachable server, and the simulated
/// pre-built cluster's refusals (HAMi absent, a competing device plugin) before anything changes.
@Suite struct ExistingClusterTests {
  static func kubeconfig(server: String = "https://sim.labrun.invalid:6443", current: String? = "ml")
    -> String
  {
    """
    apiVersion: v1
    kind: Config
    clusters:
    - name: c1
      cluster:
        server: \(server)
        insecure-skip-tls-verify: true
    - name: c2
      cluster:
        certificate-authority-data: Q0E=
    contexts:
    - name: ml
      context:
        cluster: c1
        user: u
    - name: broken
      context:
        cluster: c2
        user: u
    \(current.map { "current-context: \($0)" } ?? "")
    users:
    - name: u
      user:
        token: in-memory-only

    """
  }

  struct Fixture {
    let home: TemporaryDirectory
    let file: URL
    let cluster: ExistingClusterTarget
    let transport: any Transport
    let run: RunDirectory

    /// The simulated cluster's nodes, one card profile each (its state directory's name).
    let nodes: String

    init(scenario: String = "none", nodes: String = "a6000-48gb") async throws {
      self.nodes = nodes
      home = try TemporaryDirectory(prefix: "labrun-existing")
      file = home.appending("kubeconfig")
      try ExistingClusterTests.kubeconfig(server: "https://\(nodes).sim.labrun.invalid:6443").write(
        to: file, atomically: true, encoding: .utf8)
      cluster = try ExistingClusterTarget(kubeconfig: file.path, context: nil)
      let options = ConnectionOptions(state: StateDirectory(root: home.url))
      transport = try await cluster.open(
        options: options, scenario: scenario, labrun: try LabrunBinary().executable)
      run = try RunStore(state: StateDirectory(root: home.url)).create(
        lab: "hami-isolation-realgpu", labFile: nil, target: await transport.target,
        parameters: ["pod_ready_timeout": .int(30)], redactor: Redactor())
    }

    var store: SimStore {
      SimStore(directory: home.url.appendingPathComponent("sim/existing/" + nodes).path)
    }

    func kubectl(_ arguments: String) async throws -> CommandOutput {
      try await transport.run(RemoteCommand("kubectl " + arguments))
    }
  }

  @Test(arguments: [
    (nil as String?, "missing", "no such file"),
    ("prod", "present", "--context prod: no such context"),
    (nil, "no-current", "has no current-context; name one with --context (ml, broken)"),
    ("broken", "present", "names cluster c2, which has no server"),
  ])
  func aKubeconfigThatNamesNoClusterIsRefusedSayingWhatToDo(context: String?, file: String, words: String)
    throws
  {
    let home = try TemporaryDirectory(prefix: "labrun-kubeconfig")
    defer { home.remove() }
    let path = home.appending("config")
    if file != "missing" {
      try Self.kubeconfig(current: file == "no-current" ? nil : "ml").write(
        to: path, atomically: true, encoding: .utf8)
    }
    let error = #expect(throws: KubeconfigError.self) {
      _ = try ExistingClusterTarget(kubeconfig: path.path, context: context)
    }
    #expect(error?.description.contains(words) == true, "\(error.map(String.init(describing:)) ?? "")")
    #expect(error?.exitCode == LabrunExitCode.labInvalid)
  }

  @Test func theClusterIsRecordedByContextAndTheHashOfItsServer() throws {
    let home = try TemporaryDirectory(prefix: "labrun-kubeconfig")
    defer { home.remove() }
    let path = home.appending("config")
    try Self.kubeconfig(server: "https://10.1.2.3:6443").write(to: path, atomically: true, encoding: .utf8)
    let info = try ExistingClusterTarget(kubeconfig: path.path, context: nil).describe()
    #expect(info.kind == .kubeconfig)
    // Two clusters whose contexts share a name (k3s calls its own `default`) are two targets, so
    // a run on one is never resumed on the other.
    let other = home.appending("other")
    try Self.kubeconfig(server: "https://10.1.2.4:6443").write(to: other, atomically: true, encoding: .utf8)
    let second = try ExistingClusterTarget(kubeconfig: other.path, context: nil).describe()
    #expect(info.name.hasPrefix("ml@") && second.name.hasPrefix("ml@") && info.name != second.name)
    #expect(info.cluster?.context == "ml")
    #expect(info.cluster?.serverSHA256 == Artifact.hexDigest(of: Data("https://10.1.2.3:6443".utf8)))
    let recorded = String(decoding: try JSONEncoder.labrun.encode(info), as: UTF8.self)
    #expect(!recorded.contains("10.1.2.3") && !recorded.contains("in-memory-only"), "\(recorded)")
  }

  /// The real kubectl of this machine, against a port nothing listens on.
  @Test func anUnreachableServerExits3WithoutNamingItsAddress() async throws {
    guard SpawnedProcess.run(["/bin/sh", "-c", "command -v kubectl"]).status == 0 else {
      Issue.record(
        "kubectl is not installed: install it (https://kubernetes.io/docs/tasks/tools/) to run this test")
      return
    }
    let home = try TemporaryDirectory(prefix: "labrun-kubeconfig")
    defer { home.remove() }
    let path = home.appending("config")
    try Self.kubeconfig(server: "https://127.0.0.1:9").write(to: path, atomically: true, encoding: .utf8)
    let cluster = try ExistingClusterTarget(kubeconfig: path.path, context: nil)
    let error = await #expect(throws: KubeconfigError.self) {
      _ = try await cluster.open(options: ConnectionOptions(state: StateDirectory(root: home.url)))
    }
    let message = error.map(String.init(describing:)) ?? ""
    #expect(error?.exitCode == LabrunExitCode.targetFailed)
    #expect(message.contains("does not answer") && message.contains("refused"), "\(message)")
    #expect(!message.contains("127.0.0.1"), "\(message)")
  }

  @Test func everyKubectlIsPinnedToTheContextAndLabrunsNamespace() async throws {
    let fixture = try await Fixture()
    defer { fixture.home.remove() }
    let pods = try await fixture.kubectl("get pods")
    #expect(pods.stdoutText == "No resources found in labrun namespace.\n", "\(pods.stdoutText)")
    // A step's own -n still wins, as kubectl's last flag does.
    #expect(try await fixture.kubectl("-n team-a get pods").stdoutText.contains("notebook-0"))
    // Nothing runs with privilege or on a node of an existing cluster.
    await #expect(throws: ExistingClusterTransportError.self) {
      _ = try await fixture.transport.run(RemoteCommand("true", privileged: true))
    }
  }

  @Test(arguments: [
    ("hami-absent", "HAMi is not installed in this cluster"),
    ("gpu-operator-present", "gpu-operator/nvidia-device-plugin-daemonset"),
    ("device-plugin-present", "kube-system/nvidia-device-plugin-daemonset"),
  ])
  func upRefusesAClusterHAMiCannotOwnBeforeAnythingChanges(scenario: String, words: String) async throws {
    let fixture = try await Fixture(scenario: scenario)
    defer { fixture.home.remove() }
    let error = await #expect(throws: (any Error).self) {
      try await Pipeline(run: fixture.run, transport: fixture.transport).run(
        .up, steps: [ExistingClusterStep()])
    }
    let message = error.map(String.init(describing:)) ?? ""
    #expect(message.contains(words), "\(message)")
    #expect(fixture.store.load().changes.isEmpty, "\(fixture.store.load().changes)")
  }

  /// `spread-ignored` on a pre-built cluster of two GPU nodes: HAMi's scheduler takes spread for
  /// binpack, and exercise 8 FAILs, as on a cluster labrun provisioned.
  @Test func spreadIgnoredFailsPlacementOnAnExistingCluster() async throws {
    let fixture = try await Fixture(scenario: "spread-ignored", nodes: "a6000-48gb.h100-80gb")
    defer { fixture.home.remove() }
    let embedded = try #require(BuiltInLabs.named(HAMiIsolationLab.name))
    let definition = try LabDefinition.load(from: .builtIn(embedded))
    try await fixture.run.recordParameter(
      "probe_image", try definition.resolve(overrides: [])["probe_image"] ?? .string(""))
    let pipeline = Pipeline(run: fixture.run, transport: fixture.transport)
    try await pipeline.run(.up, steps: [ExistingClusterStep()])
    try await pipeline.run(
      .exercises,
      steps: [
        LabNamespaceStep(), ClusterNodesStep(agents: nil),
        PlacementStep(manifests: HAMiManifests(files: definition.source.files)),
      ])
    let bundle = try EvidenceBundle.load(directory: fixture.run.directory)
    let placement = try #require(HAMiIsolationLab().results(for: bundle).first { $0.id == "8" })
    #expect(placement.verdict == .fail, "\(placement.reason)")
    #expect(placement.reason.contains("spread put both pods on one node"), "\(placement.reason)")
  }

  @Test func downLeavesALabrunNamespaceThisRunDidNotMake() async throws {
    let fixture = try await Fixture()
    defer { fixture.home.remove() }
    let theirs = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: labrun\n"
    let made = try await fixture.transport.run(RemoteCommand("kubectl apply -f -", stdin: Array(theirs.utf8)))
    #expect(made.succeeded, "\(made.stderrText)")
    let error = await #expect(throws: (any Error).self) {
      try await Pipeline(run: fixture.run, transport: fixture.transport).run(
        .down, steps: [RemoveLabNamespaceStep()])
    }
    let message = error.map(String.init(describing:)) ?? ""
    #expect(
      message.contains("namespace labrun already exists and is not this run's (not made by labrun)"),
      "\(message)")
    #expect(fixture.store.load().namespaces?.contains { $0.name == "labrun" } == true)
  }

  @Test func thePlanShowsHowKubectlRunsAndEveryPhaseWithoutTheServerOrACredential() async throws {
    let home = try TemporaryDirectory(prefix: "labrun-kubeconfig")
    defer { home.remove() }
    let path = home.appending("config")
    try Self.kubeconfig(server: "https://10.9.8.7:6443").write(to: path, atomically: true, encoding: .utf8)
    let embedded = try #require(BuiltInLabs.named(HAMiIsolationLab.name))
    let definition = try LabDefinition.load(from: .builtIn(embedded))
    let plan = try LabPlan.make(
      lab: try LabRegistry.load(definition), parameters: try definition.resolve(overrides: []),
      cluster: try ExistingClusterTarget(kubeconfig: path.path, context: "ml"), phases: Phase.allCases,
      redactor: Redactor())
    let text = plan.text
    #expect(
      text.contains(
        "every kubectl runs here as\n  kubectl --kubeconfig \(path.path) --context ml --namespace labrun"))
    for step in [
      "existing-cluster", "lab-namespace", "cluster-nodes", "node-exercises", "placement", "cluster-budget",
      "remove-lab-namespace",
    ] {
      #expect(text.contains(step + ":"), "\(step) missing")
    }
    #expect(!text.contains("sudo") && !text.contains("k3s-uninstall"), "\(text)")
    #expect(!text.contains("10.9.8.7") && !text.contains("in-memory-only"))
    #expect(plan.targetKind == .kubeconfig)
  }

  /// The simulated kubectl reads a kubeconfig as this machine's kubectl does: the same words for
  /// a missing file and an unknown context (a later flag overrides the transport's, in both).
  @Test(arguments: ["--kubeconfig /nonexistent/kubeconfig", "--context nope"])
  func theSimulatedKubectlRefusesAKubeconfigInKubectlsWords(flags: String) async throws {
    guard SpawnedProcess.run(["/bin/sh", "-c", "command -v kubectl"]).status == 0 else {
      Issue.record(
        "kubectl is not installed: install it (https://kubernetes.io/docs/tasks/tools/) to run this test")
      return
    }
    let fixture = try await Fixture()
    defer { fixture.home.remove() }
    let simulated = try await fixture.kubectl(flags + " get pods")
    let real = await SpawnedProcess.completed(
      ["/bin/sh", "-c", "kubectl --kubeconfig \"$0\" \(flags) get pods", fixture.file.path])
    #expect(simulated.exitStatus == real.status && simulated.exitStatus != 0)
    #expect(
      simulated.stderrText.trimmingCharacters(in: .whitespacesAndNewlines)
        == real.output
        .trimmingCharacters(in: .whitespacesAndNewlines))
  }

  /// Something labrun labelled outside its namespace (made by hand from the lab's manifests, say):
  /// `down` names it and fails, and finishes with `--accept-leftovers`, as on a host.
  @Test func downNamesWhatIsLeftAndFinishesOnlyWhenToldToAcceptIt() async throws {
    let fixture = try await Fixture()
    defer { fixture.home.remove() }
    try fixture.store.update {
      $0.pods.append(
        SimState.Pod(
          name: "hami-share-a", namespace: "team-a", gpumemMiB: 0, gpus: 0, gpucores: nil, phase: "Running",
          ip: "10.42.0.40", events: [], labels: ["app.kubernetes.io/part-of": "labrun-hami-isolation"]))
    }
    let error = await #expect(throws: (any Error).self) {
      try await Pipeline(run: fixture.run, transport: fixture.transport).run(
        .down, steps: [RemoveLabNamespaceStep()])
    }
    let message = error.map(String.init(describing:)) ?? ""
    #expect(message.contains("pod/hami-share-a") && message.contains("--accept-leftovers"), "\(message)")
    try await Pipeline(
      run: fixture.run, transport: fixture.transport, options: LifecycleOptions(acceptLeftovers: true)
    )
    .run(.down, steps: [RemoveLabNamespaceStep()])
    #expect(fixture.store.load().pods.contains { $0.namespace == "team-a" && $0.name == "hami-share-a" })
  }
}
