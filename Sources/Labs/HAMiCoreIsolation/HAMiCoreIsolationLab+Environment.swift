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

    rows.append(
      HostEnvironmentRows.gpu(facts.card, file: HAMiCoreCatalog.hostGPU) {
        "; \($0) GPUs on the host (the tenants use GPU 0)"
      })
    rows.append(HostEnvironmentRows.driver(facts.card, file: HAMiCoreCatalog.hostGPU))
    rows.append(HostEnvironmentRows.toolkit(bundle, buildFile: HAMiCoreCatalog.build))

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

    return HostEnvironmentRows.summary(rows, card: facts.card, machine: machine, note: Self.environmentNote)
  }
}
