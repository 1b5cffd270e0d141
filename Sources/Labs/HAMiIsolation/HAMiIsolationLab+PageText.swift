import Foundation
import LabPipeline

/// The lab's words on the validation page, taken from the hand-written reference page.
extension HAMiIsolationLab {
  static let title = "HAMi GPU Isolation Validation"
  static let labPath = "\(HAMiIsolationLab.name)/"
  static let validatedBlurb =
    "This is the runtime-enforcement half the HAMi scheduling sim deliberately cannot prove."
  static let provesHeading = "What this proves (that the simulation cannot)"
  static let environmentNote =
    "HAMi advertises only `nvidia.com/gpu` in node allocatable; `gpumem`/`gpucores` are accounted by the HAMi "
    + "scheduler from the register annotation and enforced per-pod by HAMi-core - they are intentionally not "
    + "node-allocatable resources."
  /// The scope limits; the page claims the cap and the view as proven only when 2 and 3 passed.
  /// `gpuNodes`: a cluster's GPU nodes (nil on one host), which change the last sentence.
  /// `existing`: the cluster is one labrun did not provision (`--kubeconfig`).
  static func scopeLimits(capProven: Bool, gpuNodes: [String]? = nil, existing: Bool = false) -> [String] {
    let proves =
      capProven
      ? "It proves the memory cap and the virtualized device view"
      : "It tests the memory cap and the virtualized device view (not proven by this run)"
    let scale =
      gpuNodes.map {
        "\($0.count) GPU node(s) under one \(existing ? "existing Kubernetes cluster" : "k3s"): scheduling across them is tested (placement, per-node budget), "
          + "but nothing about NCCL/NVLink/MIG or workloads spanning nodes."
      } ?? "Single node, so nothing about NCCL/NVLink/MIG/multi-node scale."
    return [
      "This is software isolation (user-space CUDA interception), not MIG hardware fault isolation - treat it as a "
        + "scheduling-and-accounting guarantee with runtime enforcement, not a security boundary. \(proves); it does "
        + "not measure compute-throttling accuracy or noisy-neighbour interference under sustained load. \(scale)"
    ]
  }

  public func page(results: [ExerciseResult], environment: EnvironmentSummary, bundle: EvidenceBundle)
    -> LabPage
  {
    LabPage(
      title: Self.title, labPath: Self.labPath, validatedBlurb: Self.validatedBlurb,
      provesHeading: Self.provesHeading,
      proves: Self.gpuNodes(of: bundle).map { Self.clusterProves(results, nodes: $0) }
        ?? Self.proves(results),
      scopeLimits: Self.scopeLimits(
        capProven: bundle.run.targetKindText != "simulated" && Self.capProven(results, bundle: bundle),
        gpuNodes: Self.gpuNodes(of: bundle), existing: bundle.run.target?.cluster != nil))
  }

  /// Exercises 2 and 3 passed (on every GPU node of a cluster).
  static func capProven(_ results: [ExerciseResult], bundle: EvidenceBundle) -> Bool {
    let ids =
      Self.gpuNodes(of: bundle).map { nodes in nodes.flatMap { ["2@" + $0, "3@" + $0] } } ?? ["2", "3"]
    return !ids.isEmpty && ids.allSatisfy { id in results.contains { $0.id == id && $0.verdict == .pass } }
  }

  /// One bullet per claim whose exercises all passed, in the lab's words.
  static func proves(_ results: [ExerciseResult]) -> [String] {
    let passed = Dictionary(
      results.filter { $0.verdict == .pass }.map { ($0.id, $0.facts) },
      uniquingKeysWith: { first, _ in first })
    var bullets: [String] = []
    if passed["1"] != nil {
      bullets.append(
        "Two tenants share one physical GPU (Exercise 1) - stock Kubernetes treats a GPU as indivisible and cannot do this."
      )
    }
    let view = passed["2"]
    let cap = passed["3"]
    let sliceGB = (view?["slice_mib"] ?? cap?["slice_mib"]).flatMap(Int.init)?.roundedGB ?? 0
    let freeGB = cap?["free_gb"] ?? "?"
    switch (view, cap) {
    case (.some, .some):
      bullets.append(
        "The slice is real, two ways: the container is shown an \(sliceGB) GB card (Exercise 2), and a CUDA "
          + "allocation is refused at \(sliceGB) GB while ~\(freeGB) GB physically remained (Exercise 3). The refusal "
          + "comes from HAMi-core, not the hardware - the contradiction that only a user-space CUDA-interception "
          + "cap can produce.")
    case (.some, nil):
      bullets.append(
        "The container is shown an \(sliceGB) GB card (Exercise 2) - a virtualized view; on its own that is no "
          + "proof of a cap.")
    case (nil, .some):
      bullets.append(
        "A CUDA allocation is refused at \(sliceGB) GB while ~\(freeGB) GB physically remained (Exercise 3). The "
          + "refusal comes from HAMi-core, not the hardware.")
    case (nil, nil):
      break
    }
    if let budget = passed["4"], let request = budget["oversubscribe_mib"], let slice = budget["slice_mib"],
      let devmem = budget["devmem_mib"], let count = budget["share_pods"].flatMap(Int.init)
    {
      let countWord = [2: "two", 3: "three", 4: "four"][count] ?? String(count)
      bullets.append(
        "The card is one shared, accounted budget (Exercise 4): the HAMi scheduler refuses a \(request) MiB pod "
          + "beside \(countWord) \(slice) MiB slices (CardInsufficientMemory) even though \(request) MiB < the "
          + "\(devmem) MiB card - the real-hardware counterpart of the simulation's per-device exhaustion test."
      )
    }
    if let mechanism = passed["5"], let variable = mechanism["limit_variable"],
      let value = mechanism["limit_value"]
    {
      let library =
        (mechanism["library"] ?? "libvgpu.so").split(separator: "/").last.map(String.init) ?? "libvgpu.so"
      bullets.append(
        "The mechanism is concrete (Exercise 5): HAMi-core is injected as \(library) and reads "
          + "\(variable)=\(value) - the same CUDA_DEVICE_MEMORY_LIMIT mechanism that NVIDIA's KAI Scheduler "
          + "adopted in June 2026 for its own fractional-GPU memory isolation.")
    }
    return bullets
  }
}
