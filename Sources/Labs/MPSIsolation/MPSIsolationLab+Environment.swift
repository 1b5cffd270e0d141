import Foundation
import LabPipeline

/// The Environment table, read from the artifacts and run.json.
extension MPSIsolationLab {
  public func environment(of bundle: EvidenceBundle) -> EnvironmentSummary {
    let facts = MPSEvidence(bundle)
    let card = facts.card
    var rows: [EnvironmentSummary.Row] = []
    rows.append(HostEnvironmentRows.date(bundle))
    let machine = HostEnvironmentRows.machine(bundle, osFile: MPSCatalog.os)
    rows.append(.init("Machine", machine))
    var gpu = "not in the evidence (\(MPSCatalog.hostGPU))"
    if let name = card.name?.value {
      gpu = name
      if let mib = card.memoryMiB?.value { gpu += ", \(mib.roundedGB) GB (\(mib) MiB)" }
      if let uuid = card.uuid?.value { gpu += ", UUID \(uuid)" }
      if let mig = card.migMode?.value { gpu += ", MIG \(mig)" }
      if let mode = card.computeMode?.value { gpu += ", compute mode \(mode)" }
      gpu += " (\(MPSCatalog.hostGPU))"
    }
    rows.append(.init("GPU", gpu))
    var driver = card.driver?.value ?? "not in the evidence"
    if let cuda = card.cuda?.value { driver += " (CUDA \(cuda))" }
    if card.driver?.value != nil { driver += " (\(MPSCatalog.hostGPU))" }
    rows.append(.init("Driver", driver))
    let nvcc = bundle.artifact(MPSCatalog.build)?.outputLines.first { $0.contains("Cuda compilation tools") }
    rows.append(
      .init(
        "CUDA toolkit",
        nvcc.map { "\($0.trimmingCharacters(in: .whitespaces)) (\(MPSCatalog.build))" }
          ?? "not in the evidence (\(MPSCatalog.build))"))
    let tenants =
      facts.tenants.map { $0.map { "\($0.name): 0=\($0.sliceMiB)M" }.joined(separator: ", ") }
      ?? "not recorded"
    rows.append(.init("Clients", tenants + " (run.json tenants: CUDA_MPS_PINNED_DEVICE_MEM_LIMIT)"))
    let seconds = bundle.run.parameters["compute_seconds"]?.wholeNumber.map { "\($0) s" } ?? "?"
    rows.append(
      .init(
        "Active thread percentages",
        "alone: \(facts.threadPercentages.map(String.init).joined(separator: ", ")); side by side: "
          + "\(facts.pairPercentages.map(String.init).joined(separator: " and ")); noisy neighbour's: "
          + "\(facts.neighbourPercentage.map(String.init) ?? "?") (the victim has none); \(seconds) per run; tolerance "
          + "± \(facts.tolerancePercent) points (run.json)"))
    return EnvironmentSummary(
      rows: rows, gpu: card.name?.value, gpuMemoryMiB: card.memoryMiB?.value, gpuUUID: card.uuid?.value,
      driver: card.driver?.value,
      cuda: card.cuda?.value, kubernetes: nil, machine: machine, note: Self.environmentNote)
  }
}
