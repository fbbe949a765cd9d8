/** The CLI's version: `revmesh --version` and the `User-Agent` it sends. Kept equal to package.json. */
export const CLI_VERSION = '0.1.0';
