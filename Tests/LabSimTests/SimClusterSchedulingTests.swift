import Foundation
import LabPipeline
import Labs
import TestSupport
import Testing

@testable import LabSim

/// HAMi's scheduler across the simulated cluster's nodes: the node policy a pod asks for
/// (`hami.io/node-scheduler-policy`), pinning to a node, per-node budgets, and nodes without a GPU.
@Suite struct SimClusterSchedulingTests {
  /// A server without a GPU and two GPU agents, HAMi deployed and both agents labelled.
  static func cluster(scenario: SimScenario = .none) throws -> SimClusterTests.Cluster {
    let cluster = try SimClusterTests.Cluster()
    try cluster.host("server", profile: "cpu-only", scenario: scenario)
    try cluster.host("s2", profile: "a6000-48gb", scenario: scenario)
    try cluster.host("s3", profile: "a6000-48gb", scenario: scenario)
    #expect(cluster.installServer("server").status == 0)
    let token = cluster.token(of: "server")
    for agent in ["s2", "s3"] {
      // The toolkit goes on before k3s, so that the agent's k3s writes the nvidia default runtime.
      try cluster.store(agent).update { $0.toolkitInstalled = true }
      #expect(try cluster.join(agent, to: "server", token: token).status == 0)
    }
    try cluster.store("server").update { state in
      state.hamiStatus = "deployed"
      state.hamiChartVersion = "2.9.0"
    }
    for node in ["server", "s2", "s3"] {
      #expect(cluster.run("server", "kubectl", ["label", "node", node, "gpu=on", "--overwrite"]).status == 0)
    }
    return cluster
  }

  static func pod(_ name: String, mib: Int, policy: String? = nil, node: String? = nil) -> String {
    var lines = ["apiVersion: v1", "kind: Pod", "metadata:", "  name: \(name)"]
    if let policy { lines += ["  annotations:", "    hami.io/node-scheduler-policy: \"\(policy)\""] }
    lines += ["spec:"]
    if let node { lines += ["  nodeSelector:", "    kubernetes.io/hostname: \(node)"] }
    lines += [
      "  containers:", "  - name: cuda", "    image: nvidia/cuda:12.4.1-devel-ubuntu22.04", "    resources:",
      "      limits:", "        nvidia.com/gpu: 1", "        nvidia.com/gpumem: \(mib)",
    ]
    return lines.joined(separator: "\n") + "\n"
  }

  /// The NODE column of `kubectl get pod NAME -o wide`.
  static func node(of pod: String, in cluster: SimClusterTests.Cluster) -> String {
    let row = cluster.run("server", "kubectl", ["get", "pods", pod, "-o", "wide"]).out.split(separator: "\n")
      .last
    return row.map { $0.split(separator: " ").map(String.init) }.map { $0.count > 6 ? $0[6] : "" } ?? ""
  }

  /// What the cluster exercises read: a long pod name keeps the table's columns (kubectl widens
  /// them), `delete pod NAME` deletes that pod alone, `delete pods -l …` keeps the probe's
  /// ConfigMap, and each pod's scheduler, node and node policy read back by jsonpath.
  @Test func theClusterExercisesCommandsBehaveAsKubectls() throws {
    let cluster = try Self.cluster()
    defer { cluster.root.remove() }
    let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hami-probe\n"
    #expect(cluster.run("server", "kubectl", ["apply", "-f", "-"], input: configMap).status == 0)
    for name in ["hami-place-spread-1-long-name", "hami-place-spread-2"] {
      #expect(
        cluster.run(
          "server", "kubectl", ["apply", "-f", "-"], input: Self.pod(name, mib: 8000, policy: "spread")
        )
        .status == 0)
    }
    let table = cluster.run("server", "kubectl", ["get", "pods", "-o", "wide"]).out
    let rows = KubectlTable.tables(in: table.split(separator: "\n").map(String.init)).flatMap(\.rows)
    #expect(Set(rows.compactMap { $0["NODE"] }) == ["s2", "s3"], "\(table)")
    let witness = cluster.run(
      "server", "kubectl",
      [
        "get", "pod", "hami-place-spread-2", "-o",
        "jsonpath={.metadata.name} {.spec.schedulerName} {.spec.nodeName}",
      ])
    #expect(
      witness.out.hasPrefix("hami-place-spread-2 hami-scheduler s") && witness.out.hasSuffix(" spread\n"))
    #expect(cluster.run("server", "kubectl", ["delete", "pod", "hami-place-spread-2"]).status == 0)
    let left = cluster.run("server", "kubectl", ["get", "pods", "-o", "name"]).out
    #expect(left == "pod/hami-place-spread-1-long-name\n", "\(left)")
    #expect(
      cluster.run(
        "server", "kubectl", ["delete", "pods", "-l", "app.kubernetes.io/part-of=labrun-hami-isolation"]
      )
      .status == 0)
    let objects = cluster.run("server", "kubectl", ["get", "pods,configmaps", "-o", "name"]).out
    #expect(objects == "configmap/hami-probe\n", "\(objects)")
  }

  @Test(arguments: [("binpack", SimScenario.none, 1), ("spread", .none, 2), ("spread", .spreadIgnored, 1)])
  func theNodePolicyDecidesHowManyNodesTwoPodsUse(policy: String, scenario: SimScenario, nodes: Int) throws {
    let cluster = try Self.cluster(scenario: scenario)
    defer { cluster.root.remove() }
    for name in ["hami-place-a", "hami-place-b"] {
      let applied = cluster.run(
        "server", "kubectl", ["apply", "-f", "-"], input: Self.pod(name, mib: 8000, policy: policy))
      #expect(applied.status == 0, "\(applied.err)")
    }
    let placed = ["hami-place-a", "hami-place-b"].map { Self.node(of: $0, in: cluster) }
    #expect(placed.allSatisfy { $0 == "s2" || $0 == "s3" }, "\(placed)")
    #expect(Set(placed).count == nodes, "\(placed)")
  }

  /// HAMi's node score counts shares and cores as well as memory: three 1000 MiB pods on s2 make
  /// it busier (0.3 + 0.06) than one 8000 MiB pod makes s3 (0.1 + 0.16), so spread takes s3,
  /// although s3 has more memory handed out.
  @Test func spreadRanksNodesByHAMisScoreNotByMemoryAlone() throws {
    let cluster = try Self.cluster()
    defer { cluster.root.remove() }
    for (name, mib, node) in [
      ("s2-a", 1000, "s2"), ("s2-b", 1000, "s2"), ("s2-c", 1000, "s2"), ("s3-a", 8000, "s3"),
    ] {
      #expect(
        cluster.run("server", "kubectl", ["apply", "-f", "-"], input: Self.pod(name, mib: mib, node: node))
          .status == 0)
    }
    #expect(
      cluster.run(
        "server", "kubectl", ["apply", "-f", "-"], input: Self.pod("spread", mib: 1000, policy: "spread")
      )
      .status == 0)
    #expect(Self.node(of: "spread", in: cluster) == "s3")
  }

  @Test func aPodLargerThanEveryNodesFreeSliceStaysPendingThoughTheClusterHasRoom() throws {
    let cluster = try Self.cluster()
    defer { cluster.root.remove() }
    for (name, node) in [("hami-fill-s2", "s2"), ("hami-fill-s3", "s3")] {
      #expect(
        cluster.run("server", "kubectl", ["apply", "-f", "-"], input: Self.pod(name, mib: 30000, node: node))
          .status == 0)
      #expect(Self.node(of: name, in: cluster) == node)
    }
    // 19140 MiB free on each node, 38280 in all: 30000 fits the cluster but no node.
    #expect(
      cluster.run("server", "kubectl", ["apply", "-f", "-"], input: Self.pod("hami-budget", mib: 30000))
        .status == 0)
    #expect(
      cluster.run("server", "kubectl", ["get", "pod", "hami-budget", "-o", "jsonpath={.status.phase}"]).out
        == "Pending")
    let events = cluster.run("server", "kubectl", ["describe", "pod", "hami-budget"]).out
    #expect(
      events.contains("CardInsufficientMemory(s2)") && events.contains("CardInsufficientMemory(s3)"),
      "\(events)")
  }

  @Test func aNodeWithoutAGPUIsListedButNeverRegisteredOrScheduledOnto() throws {
    let cluster = try Self.cluster()
    defer { cluster.root.remove() }
    let allocatable = ["server", "s2"].map {
      cluster.run(
        "server", "kubectl", ["get", "node", $0, "-o", "jsonpath={.status.allocatable.nvidia\\.com/gpu}"]
      ).out
    }
    #expect(allocatable == ["", "10"])
    #expect(
      cluster.run(
        "server", "kubectl", ["apply", "-f", "-"], input: Self.pod("hami-cpu", mib: 1000, node: "server")
      ).status == 0)
    #expect(
      cluster.run("server", "kubectl", ["get", "pod", "hami-cpu", "-o", "jsonpath={.status.phase}"]).out
        == "Pending")
    // A pod on an agent sees that agent's card, sliced.
    #expect(
      cluster.run(
        "server", "kubectl", ["apply", "-f", "-"], input: Self.pod("hami-s3", mib: 8000, node: "s3")
      ).status == 0)
    let view = cluster.run("server", "kubectl", ["exec", "hami-s3", "--", "nvidia-smi"]).out
    #expect(view.contains("8000MiB"), "\(view)")
  }
}
