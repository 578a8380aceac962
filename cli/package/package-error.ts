/**
 * A problem with what the user gave `vigil package` (the ONNX file, the data, the options): the command
 * prints the message and exits 2 without writing anything.
 */
export class PackageError extends Error {
  override readonly name = 'PackageError';
}
