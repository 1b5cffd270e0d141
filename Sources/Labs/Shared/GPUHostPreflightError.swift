import Foundation
import LabPipeline

/// Why a lab refuses the GPU host before changing anything (``GPUHostPreflight``). `mechanism`
/// names what the lab shares the card with (e.g. "HAMi-core").
enum GPUHostPreflightError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// nvidia-smi is missing or cannot talk to the driver.
  case driverNotWorking(output: String)
  /// MIG is enabled: the lab shares a whole card.
  case migEnabled(gpu: String, mechanism: String)
  /// The card's compute mode forbids the lab's processes (`Prohibited`).
  case computeModeRefused(gpu: String, mode: String, mechanism: String)
  /// No nvcc to compile the probes.
  case nvccMissing(searched: String)
  /// `probe_dir` lacks an executable memory-probe or throughput-probe.
  case prebuiltProbesMissing(directory: String)
  /// A program the lab needs is not on the host.
  case programMissing(name: String, fix: String)
  /// The slices (plus margin) do not fit in the card's free memory.
  case notEnoughMemory(neededMiB: Int, freeMiB: Int, gpu: String)

  var description: String {
    "preflight refused the host before changing anything: " + reason
  }

  private var reason: String {
    switch self {
    case .driverNotWorking(let output):
      return "nvidia-smi does not work (\(output.trimmingCharacters(in: .whitespacesAndNewlines))); "
        + "install or repair the NVIDIA driver (nvidia-smi must list the GPU), then run again"
    case .migEnabled(let gpu, let mechanism):
      return "MIG is enabled on \(gpu); \(mechanism) shares the whole card: "
        + "disable it with `sudo nvidia-smi -mig 0` (and reset the GPU), then run again"
    case .computeModeRefused(let gpu, let mode, let mechanism):
      return
        "\(gpu) is in compute mode \(mode): no CUDA process may use it, so \(mechanism) cannot share it; the lab "
        + "never changes the compute mode: set Default (nvidia-smi -c DEFAULT) or Exclusive_Process yourself"
    case .nvccMissing(let searched):
      return
        "no nvcc on the host (looked at \(searched)); install the CUDA toolkit or pass --param nvcc=/path/to/nvcc"
    case .prebuiltProbesMissing(let directory):
      return
        "probe_dir \(directory) lacks an executable memory-probe or throughput-probe; build them from the "
        + "lab's probes/*.cu (nvcc -O2 -o memory-probe memory-probe.cu) or leave probe_dir empty to compile on the host"
    case .programMissing(let name, let fix):
      return "\(name) is not on the host; \(fix)"
    case .notEnoughMemory(let needed, let free, let gpu):
      return "the tenants need \(needed) MiB (slices plus margin) but \(gpu) has \(free) MiB free; "
        + "use smaller slices (--param tenants=...) or free the card"
    }
  }

  var errorDescription: String? { description }
}

extension GPUHostPreflightError: ExitCodeProviding {
  var exitCode: Int32 { LabrunExitCode.stepFailed }
}
