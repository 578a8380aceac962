// Module rules from wrangler.toml: `.wasm` imports are precompiled WebAssembly modules (CompiledWasm),
// `.onnx` imports are raw bytes (Data).
declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

declare module '*.onnx' {
  const bytes: ArrayBuffer;
  export default bytes;
}
