import Foundation
import LabPipeline

/// The lab's words on the validation page.
extension MPSIsolationLab {
  static let title = "MPS Isolation Validation - NVIDIA MPS on one GPU, no Kubernetes"
  static let labPath = "\(MPSIsolationLab.name)/"
  static let validatedBlurb =
    "NVIDIA MPS's pinned memory limit, per-client limits, active thread percentage and noisy-neighbour isolation "
    + "all held on this card and driver."
  static let environmentNote =
    "No Kubernetes: a private MPS control daemon (`nvidia-cuda-mps-control -d` with `CUDA_MPS_PIPE_DIRECTORY` and "
    + "`CUDA_MPS_LOG_DIRECTORY` in the run's own directory); each tenant is an MPS client with its own "
    + "`CUDA_MPS_PINNED_DEVICE_MEM_LIMIT` and, for the compute runs, `CUDA_MPS_ACTIVE_THREAD_PERCENTAGE`."

  public func page(results: [ExerciseResult], environment: EnvironmentSummary, bundle: EvidenceBundle)
    -> LabPage
  {
    var page = LabPage(
      title: Self.title, labPath: Self.labPath, validatedBlurb: Self.validatedBlurb,
      provesHeading: "What this proves", proves: Self.proves(results), scopeLimits: Self.scopeLimits)
    page.sections = [Self.computeSection(MPSCompute(bundle))]
    return page
  }

  static let scopeLimits = [
    "MPS shares one GPU between processes through one MPS server; it is not MIG hardware partitioning: a fatal "
      + "GPU fault in one client can affect every client of the server, and limits apply only to processes that "
      + "connect to the run's daemon. One host, one GPU, processes started by hand; the active thread percentage "
      + "is measured with one FMA kernel for a few tens of seconds per configuration."
  ]

  /// One bullet per exercise that passed.
  static func proves(_ results: [ExerciseResult]) -> [String] {
    let passed = Set(results.filter { $0.verdict == .pass }.map(\.id))
    let bullets: [(String, String)] = [
      ("1", "Several MPS clients share one physical GPU at the same time under one MPS server (Exercise 1)."),
      ("2", "Each client's cudaMemGetInfo reports free memory within its pinned limit (Exercise 2)."),
      (
        "3",
        "The pinned memory limit holds: each client's allocation is refused at its own limit (Exercise 3)."
      ),
      ("4", "Clients side by side are each held to their own pinned limit (Exercise 4)."),
      (
        "5",
        "The mechanism is concrete (Exercise 5): the run's own MPS daemon and server, the clients' environment."
      ),
      ("6", "Throughput follows CUDA_MPS_ACTIVE_THREAD_PERCENTAGE alone and side by side (Exercise 6)."),
      ("7", "A client keeps its throughput beside a neighbour computing flat out (Exercise 7)."),
    ]
    return bullets.filter { passed.contains($0.0) }.map(\.1)
  }

  /// Exercises 6 and 7's measurements: every run's mean, SMs seen and time series.
  static func computeSection(_ compute: MPSCompute) -> LabPage.Section {
    var lines = [
      "Throughput of the lab's FMA probe as an MPS client, one sample a second (TFLOPS); means skip the first second.",
      "",
      "| Run | CUDA_MPS_ACTIVE_THREAD_PERCENTAGE | SMs seen | Mean TFLOPS | Samples (TFLOPS) |",
      "|---|---|---|---|---|",
    ]
    func row(_ label: String, _ run: MPSCompute.Run) {
      lines.append(
        "| \(label) | \(run.percentage.map(String.init) ?? "unset") | \(run.sms.map(String.init) ?? "?") | "
          + "\(run.mean.map(MPSCompute.format) ?? "none") | \(MPSCompute.series(run)) |")
    }
    if let unlimited = compute.unlimited { row("alone, unlimited", unlimited) }
    for run in compute.singles { row("alone", run) }
    for (index, run) in compute.pair.enumerated() { row("pair \(CardTenant.letter(at: index))", run) }
    if let alone = compute.victimAlone { row("victim alone", alone) }
    for (index, run) in compute.besideUnlimited.enumerated() {
      row(index == 0 ? "victim beside an unlimited neighbour" : "unlimited neighbour", run)
    }
    for (index, run) in compute.besideLimited.enumerated() {
      row(index == 0 ? "victim beside a limited neighbour" : "limited neighbour", run)
    }
    return LabPage.Section(heading: "Compute measurements (exercises 6 and 7)", lines: lines)
  }
}
