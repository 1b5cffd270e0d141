import Foundation
import LabPipeline

/// Why the HAMi-core lab refuses a host before staging anything.
enum HAMiCorePreflightError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// nvidia-smi is missing or cannot talk to the driver.
  case driverNotWorking(output: String)
  /// MIG is enabled: HAMi-core shares a whole card.
  case migEnabled(gpu: String)
  /// No nvcc to compile the probes.
  case nvccMissing(searched: String)
  /// `probe_dir` lacks an executable memory-probe or throughput-probe.
  case prebuiltProbesMissing(directory: String)
  /// `hami_core_lib` names no readable file.
  case libraryUnreadable(path: String)
  /// `hami_core_lib` is neither an absolute path on the host nor `local:PATH`.
  case libraryPathInvalid(value: String)
  /// `hami_core_lib=local:PATH` names no readable file on this machine.
  case localLibraryUnreadable(path: String)
  /// No library path and no container tool to extract the library from the HAMi image.
  case noLibrarySource
  /// The slices (plus margin) do not fit in the card's free memory.
  case notEnoughMemory(neededMiB: Int, freeMiB: Int, gpu: String)

  var description: String {
    switch self {
    case .driverNotWorking(let output):
      return "nvidia-smi does not work on the host (\(output)); install or fix the NVIDIA driver first"
    case .migEnabled(let gpu):
      return "MIG is enabled on \(gpu); HAMi-core shares a whole card: disable MIG (nvidia-smi -mig 0) first"
    case .nvccMissing(let searched):
      return
        "no nvcc on the host (looked at \(searched)); install the CUDA toolkit or pass --param nvcc=/path/to/nvcc"
    case .prebuiltProbesMissing(let directory):
      return
        "probe_dir \(directory) lacks an executable memory-probe or throughput-probe; build them from the "
        + "lab's probes/*.cu (nvcc -O2 -o memory-probe memory-probe.cu) or leave probe_dir empty to compile on the host"
    case .libraryUnreadable(let path):
      return
        "hami_core_lib \(path) is not a readable file on the host; build HAMi-core (README) or fix the path"
    case .libraryPathInvalid(let value):
      return
        "hami_core_lib '\(value)' is a relative path: give the absolute path of libvgpu.so on the host "
        + "(--param hami_core_lib=/opt/hami-core/libvgpu.so) or local:PATH for a file on this machine that labrun "
        + "uploads into the run's private directory (--param hami_core_lib=local:./build/libvgpu.so)"
    case .localLibraryUnreadable(let path):
      return
        "hami_core_lib local:\(path) is not a readable file on this machine; build HAMi-core (README) or fix the path"
    case .noLibrarySource:
      return
        "no hami_core_lib given and no docker, podman, nerdctl or ctr on the host to extract libvgpu.so from the "
        + "HAMi image; pass --param hami_core_lib=/abs/path/libvgpu.so (on the host) or "
        + "--param hami_core_lib=local:PATH (on this machine; README: how to obtain it)"
    case .notEnoughMemory(let needed, let free, let gpu):
      return "the tenants need \(needed) MiB (slices plus margin) but \(gpu) has \(free) MiB free; "
        + "use smaller slices (--param tenants=...) or free the card"
    }
  }

  var errorDescription: String? { description }
}

extension HAMiCorePreflightError: ExitCodeProviding {
  var exitCode: Int32 { LabrunExitCode.stepFailed }
}
