// The one backend this extension signs in to. `node build.mjs --base-url URL --provider NAME`
// writes these values into the build output, and the manifest's host_permissions to match.
export default {
  provider: 'scripto',
  baseUrl: 'http://127.0.0.1:8787', // the emulator: npx keymint-emulator --port 8787
};
