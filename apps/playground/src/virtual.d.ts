/** Provided by build/mnist-sample.ts. */
declare module 'virtual:mnist-sample' {
  /** Folder of the gzipped IDX files, relative to the page. */
  export const sampleDir: string;
  /** Size and SHA-256 of each file. */
  export const checksums: Record<string, { size: number; sha256: string }>;
}

/** Provided by build/text-corpora.ts. */
declare module 'virtual:text-corpora' {
  /** The texts of each registered text corpus's files (a CMUdict subset), for `textDatasetDescriptor(name).parse`. */
  export const corpora: { readonly names: readonly string[]; readonly cmudict: readonly string[] };
}
