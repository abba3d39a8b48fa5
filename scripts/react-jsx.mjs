// The JSX transform for the React files of this repository (tests, example app, benchmark
// page). The rest of the .tsx files are Solid's (vite-plugin-solid): give it `reactFiles` as
// its `exclude`, and this plugin compiles these with React's automatic runtime.
import { transformWithOxc } from 'vite';

/** The .tsx files written for React. */
export const reactFiles = /\/(?:test\/react|examples\/react-todo|bench\/react)[^?]*\.tsx(?:\?|$)/;

/** A Vite plugin: React's automatic JSX runtime for `reactFiles`, before any other transform. */
export function reactJsx() {
  return {
    name: 'tinysync:react-jsx',
    enforce: 'pre',
    async transform(code, id) {
      if (!reactFiles.test(id)) return null;
      const out = await transformWithOxc(code, id.replace(/\?.*$/, ''), { lang: 'tsx', jsx: { runtime: 'automatic', importSource: 'react' } });
      return { code: out.code, map: out.map };
    },
  };
}
