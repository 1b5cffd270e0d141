import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import Labs

/// A cluster's verdicts on evidence: each GPU node judged by the one-host checks on its own files
/// (the real Lab 7 bundle filed as node s2's judges as it does on one host), exercise 8 placement
/// and 9 cluster budget, setup first.
@Suite struct ClusterChecksTests {
  /// The real one-host bundle of Lab 7 filed as the cluster node `node`'s (`NAME@node.txt`,
  /// `name@node` values), in a cluster whose GPU nodes are `nodes`, plus `extra` artifacts.
  static func cluster(
    node: String = Self.realNode, nodes: [String] = [Self.realNode, "s3"], extra: [String: String] = [:],
    parameters: [String: RecordedValue] = [:]
  ) throws -> EvidenceBundle {
    let real = try RealFormatTests.lab7()
    var artifacts: [Artifact] = []
    for artifact in real.artifacts.values {
      let name =
        HAMiCatalog.nodeFiles.contains(artifact.name)
        ? EvidenceBundle.fileName(artifact.name, node: node) : artifact.name
      artifacts.append(Artifact(name: name, data: Data(artifact.text.utf8)))
    }
    artifacts += extra.map { Artifact(name: $0.key, data: Data($0.value.utf8)) }
    var run = real.run
    for (name, value) in real.run.parameters.values
    where ["slice_mib", "oversubscribe_mib", "share_pods"].contains(name) {
      run.parameters.values[name] = nil
      run.parameters.values[name + "@" + node] = value
    }
    run.parameters.values["cluster_gpu_nodes"] = .array(nodes.map(RecordedValue.string))
    for (name, value) in parameters { run.parameters.values[name] = value }
    return EvidenceBundle(
      run: run, artifacts: artifacts, integrity: .verified(fileCount: artifacts.count), provenance: .recorded)
  }

  /// The node the real Lab 7 run's pods ran on.
  static let realNode = "hami-lab-rtx6000"

  static func result(_ id: String, _ bundle: EvidenceBundle) throws -> ExerciseResult {
    try #require(HAMiIsolationLab().results(for: bundle).first { $0.id == id })
  }

  /// `8-placement-POLICY.txt`: the pod table and one witness line per pod.
  static func placement(
    _ policy: String, nodes: [String], scheduler: String = "hami-scheduler", annotation: String? = nil
  )
    -> String
  {
    let pods = HAMiCatalog.placementPods(policy: policy)
    var text = "$ kubectl get pods -o wide\n\nNAME                    READY   STATUS    NODE\n"
    for (pod, node) in zip(pods, nodes) { text += "\(pod)   1/1     Running   \(node)\n" }
    for (pod, node) in zip(pods, nodes) {
      text +=
        "\n$ \(PlacementStep.witness(pod).description)\n\n\(pod) \(scheduler) \(node) \(annotation ?? policy)\n"
    }
    return text
  }

  static func placed(binpack: [String], spread: [String], spreadAnnotation: String? = nil) -> [String: String]
  {
    [
      HAMiCatalog.placement(policy: "binpack"): placement("binpack", nodes: binpack),
      HAMiCatalog.placement(policy: "spread"): placement(
        "spread", nodes: spread, annotation: spreadAnnotation),
    ]
  }

  @Test func aNodesFilesJudgeAsTheyDoOnOneHost() throws {
    let oneHost = HAMiIsolationLab().results(for: try RealFormatTests.lab7())
    let cluster = HAMiIsolationLab().results(for: try Self.cluster())
    for single in oneHost {
      let onNode = try #require(cluster.first { $0.id == single.id + "@" + Self.realNode })
      #expect(onNode.verdict == single.verdict, "\(single.id): \(onNode.reason)")
      #expect(onNode.reason == single.reason)
      #expect(onNode.title.hasPrefix(single.title + " on " + Self.realNode))
      // Citations name the node's real files, with their digests.
      #expect(onNode.evidence.allSatisfy { !HAMiCatalog.nodeFiles.contains($0.file) }, "\(onNode.evidence)")
    }
  }

  /// s3 has no files of its own: its exercises are INCONCLUSIVE, never judged from another
  /// node's (or the server's) files, and the page expects 5 results per GPU node plus 8 and 9.
  @Test func aNodeWithoutItsOwnFilesBorrowsNone() throws {
    var bundle = try Self.cluster()
    bundle = RealFormatTests.replacing(
      ["0-host-gpu.txt": try #require(bundle.artifact("0-host-gpu@\(Self.realNode).txt")).text], in: bundle)
    let results = HAMiIsolationLab().results(for: bundle)
    #expect(results.count == 12)
    #expect(HAMiIsolationLab().expectedResultCount(for: bundle) == 12)
    for id in 1...5 {
      let result = try #require(results.first { $0.id == "\(id)@s3" })
      #expect(result.verdict == .inconclusive, "\(result.id): \(result.reason)")
      #expect(result.evidence.isEmpty, "\(result.evidence)")
    }
    #expect(Verifier(lab: HAMiIsolationLab()).verify(bundle).status != .validated)
  }

  /// Setup first: a node's exercises are about that node only if its share pods ran there. Pods
  /// the listing shows on another node (a node selector not honoured) leave all five INCONCLUSIVE.
  @Test func podsThatRanOnAnotherNodeJudgeNothingOfThisOne() throws {
    let results = HAMiIsolationLab().results(for: try Self.cluster(node: "s2", nodes: ["s2", "s3"]))
    for id in 1...5 {
      let result = try #require(results.first { $0.id == "\(id)@s2" })
      #expect(result.verdict == .inconclusive, "\(result.id): \(result.reason)")
      #expect(result.reason.contains("ran on hami-lab-rtx6000, not on s2"), "\(result.reason)")
    }
  }

  /// A node whose card files are missing is never judged on the run's own (the server's) card.
  @Test func aNodeNeverReadsTheServersCard() throws {
    let real = try RealFormatTests.lab7()
    var bundle = try Self.cluster(node: "s3")
    bundle = RealFormatTests.replacing(
      [
        "0-host-gpu@s3.txt": nil, "node-allocatable@s3.txt": nil,
        "0-host-gpu.txt": try #require(real.artifact("0-host-gpu.txt")).text,
        "node-allocatable.txt": try #require(real.artifact("node-allocatable.txt")).text,
      ], in: bundle)
    let cited = HAMiIsolationLab().results(for: bundle).filter { $0.id.hasSuffix("@s3") }
      .flatMap(\.evidence).map(\.file)
    #expect(!cited.isEmpty)
    #expect(!cited.contains("0-host-gpu.txt") && !cited.contains("node-allocatable.txt"), "\(cited)")
  }

  /// The page's claims on a cluster: the cap is proven only when 2 and 3 passed on every GPU node;
  /// the scope names the nodes instead of "single node".
  @Test func thePageClaimsTheCapOnlyWhenEveryNodeShowedIt() throws {
    let lab = HAMiIsolationLab()
    for (nodes, proven) in [([Self.realNode], true), ([Self.realNode, "s3"], false)] {
      let bundle = try Self.cluster(nodes: nodes)
      let results = lab.results(for: bundle)
      let page = lab.page(results: results, environment: lab.environment(of: bundle), bundle: bundle)
      let scope = page.scopeLimits.joined()
      #expect(scope.contains("It proves the memory cap") == proven, "\(nodes): \(scope)")
      #expect(scope.contains("\(nodes.count) GPU node(s) under one k3s") && !scope.contains("Single node"))
      #expect(page.proves.contains { $0.hasPrefix("On every GPU node") } == proven, "\(page.proves)")
    }
  }

  @Test func binpackOnOneNodeAndSpreadOnTwoPass() throws {
    let bundle = try Self.cluster(extra: Self.placed(binpack: ["s2", "s2"], spread: ["s2", "s3"]))
    let result = try Self.result("8", bundle)
    #expect(result.verdict == .pass, "\(result.reason)")
    #expect(result.reason == "binpack: s2; spread: s2 and s3")
    #expect(result.evidence.map(\.file) == ["8-placement-binpack.txt", "8-placement-spread.txt"])
  }

  /// The simulator's `spread-ignored`: both spread pods on one node.
  @Test func spreadIgnoredFailsPlacement() throws {
    let bundle = try Self.cluster(extra: Self.placed(binpack: ["s3", "s3"], spread: ["s3", "s3"]))
    let result = try Self.result("8", bundle)
    #expect(result.verdict == .fail)
    #expect(result.reason.contains("spread put both pods on one node"), "\(result.reason)")
  }

  /// Setup first: a pod the API shows without its policy proves nothing about the policy; but a
  /// binpack pair on two nodes is a FAIL even then (a contradiction decides).
  @Test func aPolicyTheSchedulerNeverSawIsNotJudged() throws {
    let unannotated = try Self.cluster(
      extra: Self.placed(binpack: ["s2", "s2"], spread: ["s2", "s2"], spreadAnnotation: "binpack"))
    let inconclusive = try Self.result("8", unannotated)
    #expect(inconclusive.verdict == .inconclusive)
    #expect(
      inconclusive.reason.contains(
        "the API shows hami-place-spread-1 with hami.io/node-scheduler-policy=binpack"),
      "\(inconclusive.reason)")
    let contradicted = try Self.cluster(
      extra: Self.placed(binpack: ["s2", "s3"], spread: ["s2", "s2"], spreadAnnotation: "binpack"))
    #expect(try Self.result("8", contradicted).verdict == .fail)
    let otherScheduler = try Self.cluster(extra: [
      HAMiCatalog.placement(policy: "binpack"): Self.placement(
        "binpack", nodes: ["s2", "s3"], scheduler: "default-scheduler"),
      HAMiCatalog.placement(policy: "spread"): Self.placement("spread", nodes: ["s2", "s3"]),
    ])
    let byDefault = try Self.result("8", otherScheduler)
    #expect(byDefault.verdict == .inconclusive)
    #expect(
      byDefault.reason.contains("placed by default-scheduler, not hami-scheduler"), "\(byDefault.reason)")
  }

  @Test func placementNeedsTwoGPUNodes() throws {
    let bundle = try Self.cluster(
      nodes: ["s2"], extra: Self.placed(binpack: ["s2", "s2"], spread: ["s2", "s2"]))
    let result = try Self.result("8", bundle)
    #expect(result.verdict == .inconclusive)
    #expect(result.reason.contains("needs two GPU nodes"))
  }

  /// `9-cluster-budget-free.txt` as the step captures it: each node's registration, then every
  /// pod's node and allocation.
  static func free(s2: Int, s3: Int, allocations: [String] = []) -> String {
    func registration(_ node: String, _ uuid: String, _ devmem: Int) -> String {
      "$ \(HAMiInstallStep.annotation(node).description)\n\n"
        + "[{\"id\":\"\(uuid)\",\"count\":10,\"devmem\":\(devmem),\"devcore\":100,\"type\":\"NVIDIA-NVIDIA RTX A6000\",\"numa\":0,\"mode\":\"hami-core\",\"health\":true}]\n"
    }
    return registration("s2", "GPU-aaaa", s2) + "\n" + registration("s3", "GPU-bbbb", s3) + "\n$ "
      + ClusterBudgetStep.allocations.description + "\n\n" + allocations.map { $0 + "\n" }.joined()
  }

  static func budget(status: String, events: [String], request: Int = 82000, free: String? = nil) throws
    -> EvidenceBundle
  {
    let pod = HAMiCatalog.clusterBudgetPod
    return try cluster(
      nodes: ["s2", "s3"],
      extra: [
        HAMiCatalog.clusterBudgetFree: free ?? Self.free(s2: 49140, s3: 81559),
        HAMiCatalog.clusterBudgetStatus:
          "$ kubectl get pod \(pod) -o wide\n\nNAME                  READY   STATUS    RESTARTS   AGE   IP       NODE\n"
          + "\(pod)   0/1     \(status)   0          16s   <none>   <none>\n",
        HAMiCatalog.clusterBudgetEvents:
          "$ kubectl describe pod \(pod) | sed -n '/^Events:/,$p'\n\nEvents:\n"
          + "  Type     Reason           Age   From            Message\n"
          + "  ----     ------           ----  ----            -------\n"
          + events.map { "  " + $0 + "\n" }.joined(),
      ], parameters: ["cluster_budget_mib": .int(request)])
  }

  static let filtering = [
    "Warning  FilteringFailed  16s   hami-scheduler  1 nodes CardInsufficientMemory(s2)",
    "Warning  FilteringFailed  16s   hami-scheduler  1 nodes CardInsufficientMemory(s3)",
  ]

  @Test func aPodNoNodeFitsStaysPending() throws {
    let result = try Self.result("9", try Self.budget(status: "Pending", events: Self.filtering))
    #expect(result.verdict == .pass, "\(result.reason)")
    #expect(result.reason.contains("130699 MiB in all"), "\(result.reason)")
  }

  @Test func aPodPlacedBeyondEveryNodesFreeMemoryFails() throws {
    let running = try Self.result("9", try Self.budget(status: "Running", events: []))
    #expect(running.verdict == .fail, "\(running.reason)")
    let scheduled = try Self.result(
      "9",
      try Self.budget(
        status: "Pending",
        events: [
          "Normal  Scheduled  16s  hami-scheduler  Successfully assigned default/hami-cluster-budget to s3"
        ]))
    #expect(scheduled.verdict == .fail, "\(scheduled.reason)")
  }

  /// Setup first: a request that fits a node, once what is handed out is counted, proves no
  /// per-node budget however the pod ended; a node whose registration is missing leaves it unknown.
  @Test func theRequestMustExceedEveryNodesFreeMemory() throws {
    let fits = try Self.result(
      "9",
      try Self.budget(
        status: "Running", events: [], request: 50000,
        free: Self.free(s2: 49140, s3: 81559, allocations: ["s3 GPU-bbbb,NVIDIA,8000,0:;", " "])))
    #expect(fits.verdict == .inconclusive)
    #expect(fits.reason.contains("fits s3 (73559 MiB free)"), "\(fits.reason)")
    let tooLarge = try Self.result(
      "9", try Self.budget(status: "Pending", events: Self.filtering, request: 140000))
    #expect(tooLarge.verdict == .inconclusive)
    #expect(tooLarge.reason.contains("exceeds the cluster's 130699 MiB"), "\(tooLarge.reason)")
    let unread = try Self.result(
      "9",
      try Self.budget(
        status: "Pending", events: Self.filtering,
        free: Self.free(s2: 49140, s3: 81559).replacingOccurrences(of: "\"devmem\":81559,", with: "")))
    #expect(unread.verdict == .inconclusive, "\(unread.reason)")
  }
}
