// Module rules of bench/limit/wrangler.toml (the same as the service's): `.wasm` imports are precompiled
// WebAssembly modules, `.onnx` imports raw bytes.
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

declare module '*.onnx' {
  const bytes: ArrayBuffer;
  export default bytes;
}
