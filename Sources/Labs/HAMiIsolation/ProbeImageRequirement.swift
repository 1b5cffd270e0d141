import Foundation

/// The host driver the default probe image needs, from the image's own
/// `NVIDIA_REQUIRE_CUDA` (`cuda>=12.4 brand=tesla,driver>=470,driver<471 …
/// brand=tesla,driver>=525,driver<526 … brand=tesla,driver>=535,driver<536 …`): a driver
/// whose CUDA is at least 12.4 (550.54.15 and newer, NVIDIA's CUDA 12.4 Update 1 release
/// notes), or one of the branches the image lists for CUDA's forward compatibility. The NVIDIA
/// container runtime refuses to start the container on any other driver.
struct ProbeImageRequirement: Sendable, Hashable {
  var image: String
  /// The oldest driver with the image's CUDA, as (major, minor, patch).
  var minimum: [Int]
  /// Older driver branches the image accepts.
  var branches: [Int]

  /// The requirements labrun knows: the lab's default probe image.
  static let known = [
    ProbeImageRequirement(
      image: "nvidia/cuda:12.4.1-devel-ubuntu22.04", minimum: [550, 54, 15], branches: [470, 525, 535])
  ]

  /// The requirement of `image`, or nil when labrun does not know it (a custom image).
  static func of(_ image: String) -> ProbeImageRequirement? { known.first { $0.image == image } }

  /// The requirement in words.
  var description: String {
    "an NVIDIA driver of the \(branches.map(String.init).joined(separator: ", ")) branch or "
      + minimum.map(String.init).joined(separator: ".") + " or newer"
  }

  /// Whether `driver` (`535.183.06`) satisfies it; nil when the version cannot be read.
  func accepts(driver: String) -> Bool? {
    let parts = driver.trimmingCharacters(in: .whitespaces).split(separator: ".").map { Int($0) }
    guard let major = parts.first ?? nil, !parts.contains(nil) else { return nil }
    if branches.contains(major) { return true }
    let version = parts.compactMap { $0 } + [0, 0]
    return version.prefix(3).lexicographicallyPrecedes(minimum) == false
  }
}
