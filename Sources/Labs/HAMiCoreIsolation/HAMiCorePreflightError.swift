import Foundation
import LabPipeline

/// Why the HAMi-core lab refuses a host before staging anything, beyond the refusals of the
/// shared host preflight (``GPUHostPreflightError``): where libvgpu.so comes from.
enum HAMiCorePreflightError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// `hami_core_lib` names no readable file.
  case libraryUnreadable(path: String)
  /// `hami_core_lib` is neither an absolute path on the host nor `local:PATH`.
  case libraryPathInvalid(value: String)
  /// `hami_core_lib=local:PATH` names no readable file on this machine.
  case localLibraryUnreadable(path: String)
  /// No library path and no container tool to extract the library from the HAMi image.
  case noLibrarySource

  var description: String {
    switch self {
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
    }
  }

  var errorDescription: String? { description }
}

extension HAMiCorePreflightError: ExitCodeProviding {
  var exitCode: Int32 { LabrunExitCode.stepFailed }
}
