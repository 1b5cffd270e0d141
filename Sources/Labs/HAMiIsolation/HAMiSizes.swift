import Foundation

/// The memory sizes of the exercises, from the card's registered memory (the lab's README, "Exercises"):
/// the slice (the requested one if six fit on the card, else the largest multiple of
/// 500 MiB that fits six times) and the oversubscribe request, strictly between
/// devmem − both slices and devmem, with a margin on each side.
public struct HAMiSizes: Sendable, Hashable, Codable {
  public var devmemMiB: Int
  public var sliceMiB: Int
  public var oversubscribeMiB: Int

  /// lab.yaml's default `slice_mib`: the one value replaced by the largest that fits.
  public static let defaultSliceMiB = 8000

  /// The largest slice that fits six times on `devmemMiB` (a multiple of 500 MiB).
  public static func largestSliceMiB(devmemMiB: Int) -> Int { devmemMiB / 6 / 500 * 500 }

  /// - Throws: ``HAMiPreflightError/cardTooSmall(memoryMiB:)`` when no slice fits;
  ///   ``HAMiPreflightError/sliceTooLarge(sliceMiB:largestMiB:memoryMiB:)`` when a slice
  ///   the user gave (`explicit`), or other than the default, does not fit six times (the
  ///   default, not given, is replaced instead).
  public init(devmemMiB: Int, requestedSliceMiB: Int, explicit: Bool = false) throws {
    var slice = requestedSliceMiB
    if 6 * slice > devmemMiB {
      let largest = Self.largestSliceMiB(devmemMiB: devmemMiB)
      guard (!explicit && requestedSliceMiB == Self.defaultSliceMiB) || largest < 500 else {
        throw HAMiPreflightError.sliceTooLarge(
          sliceMiB: requestedSliceMiB, largestMiB: largest, memoryMiB: devmemMiB)
      }
      slice = largest
    }
    guard slice >= 500 else { throw HAMiPreflightError.cardTooSmall(memoryMiB: devmemMiB) }
    let oversubscribe = (devmemMiB - slice / 2) / 500 * 500
    let margin = max(128, slice / 8)
    guard oversubscribe > devmemMiB - 2 * slice + margin, oversubscribe < devmemMiB - margin else {
      throw HAMiPreflightError.cardTooSmall(memoryMiB: devmemMiB)
    }
    self.devmemMiB = devmemMiB
    self.sliceMiB = slice
    self.oversubscribeMiB = oversubscribe
  }
}
