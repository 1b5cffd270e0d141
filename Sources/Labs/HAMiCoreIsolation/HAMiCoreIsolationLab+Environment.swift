import Foundation
import LabPipeline

/// The Environment table, read from the artifacts and run.json.
extension HAMiCoreIsolationLab {
  public func environment(of bundle: EvidenceBundle) -> EnvironmentSummary {
    let facts = HAMiCoreEvidence(bundle)
    var rows: [EnvironmentSummary.Row] = []
    rows.append(HostEnvironmentRows.date(bundle))
    let machine = HostEnvironmentRows.machine(bundle, osFile: HAMiCoreCatalog.os)
    rows.append(.init("Machine", machine))

    var gpu = "not in the evidence (\(HAMiCoreCatalog.hostGPU))"
    if let name = facts.cardName {
      gpu = name
      if let mib = facts.cardMiB { gpu += ", \(mib.roundedGB) GB (\(mib) MiB)" }
      if let uuid = facts.cardUUID { gpu += ", UUID \(uuid)" }
      if let mig = facts.migMode { gpu += ", MIG \(mig)" }
      if let count = facts.gpuCount, count > 1 {
        gpu += "; \(count) GPUs on the host (the tenants use GPU 0)"
      }
      gpu += " (\(HAMiCoreCatalog.hostGPU))"
    }
    rows.append(.init("GPU", gpu))
    var driver = facts.driver ?? "not in the evidence"
    if let cuda = facts.cuda { driver += " (CUDA \(cuda))" }
    if facts.driver != nil { driver += " (\(HAMiCoreCatalog.hostGPU))" }
    rows.append(.init("Driver", driver))
    let buildLines = bundle.artifact(HAMiCoreCatalog.build)?.outputLines ?? []
    let nvcc = buildLines.first { $0.contains("Cuda compilation tools") }
    let prebuilt = buildLines.filter { $0.firstMatch(of: #/^[0-9a-f]{64}\s+\S*-probe$/#) != nil }
    var toolkit = "not in the evidence (\(HAMiCoreCatalog.build))"
    if let nvcc {
      toolkit = "\(nvcc.trimmingCharacters(in: .whitespaces)) (\(HAMiCoreCatalog.build))"
    } else if !prebuilt.isEmpty {
      toolkit =
        "probes prebuilt elsewhere (probe_dir): " + prebuilt.joined(separator: "; ")
        + " (\(HAMiCoreCatalog.build))"
    }
    rows.append(.init("CUDA toolkit", toolkit))

    var library =
      facts.library.map { "libvgpu.so from \($0)" }
      ?? facts.image.map { "libvgpu.so extracted from \($0)" } ?? "libvgpu.so, source not recorded"
    library +=
      "; "
      + (facts.commit.map { "HAMi-core commit \($0) (run.json hami_core_commit)" }
        ?? "HAMi-core commit not given (the library prints no version)")
    rows.append(.init("HAMi-core", library + " (\(HAMiCoreCatalog.library))"))
    let tenants =
      facts.tenants.map { list in
        list.map { "\($0.name): \($0.sliceMiB) MiB" }.joined(separator: ", ")
      } ?? "not recorded"
    rows.append(
      .init("Tenants", tenants + " (run.json tenants), each with its own CUDA_DEVICE_MEMORY_SHARED_CACHE"))
    let parameters = bundle.run.parameters
    let seconds = parameters["compute_seconds"]?.wholeNumber.map { "\($0) s" } ?? "?"
    let limited = parameters["limited_seconds"]?.wholeNumber.map { "\($0) s per limited run" }
    let neighbour = parameters["neighbour_limit"]?.wholeNumber.map { "; noisy neighbour held to \($0)" } ?? ""
    let policy = parameters["core_policy"]?.text ?? "unset"
    rows.append(
      .init(
        "Core limits",
        "alone: \(facts.coreLimits.map(String.init).joined(separator: ", ")); side by side: "
          + "\(facts.pairCoreLimits.map(String.init).joined(separator: " and "))\(neighbour); "
          + "GPU_CORE_UTILIZATION_POLICY=\(policy); "
          + (limited.map { "\(seconds) per unlimited run, \($0)" } ?? "\(seconds) per run")
          + "; tolerance ± \(facts.tolerancePercent) points (run.json)"))

    return EnvironmentSummary(
      rows: rows, gpu: facts.cardName, gpuMemoryMiB: facts.cardMiB, gpuUUID: facts.cardUUID,
      driver: facts.driver,
      cuda: facts.cuda, kubernetes: nil, machine: machine, note: Self.environmentNote)
  }
}
