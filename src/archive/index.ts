export type { ArchiveArticle, ArchiveInput, ArchiveResult, ArchiveStatus, Hit, PdfaResult, VerifyResult } from './types.ts';
export { archiveInputSchema } from './types.ts';
export { archiveEdition, rebuildIndex, dayFolder, editionFolderName, EDITION_PDF, PDFA_PDF, ARTICLES_JSON } from './store.ts';
export { searchArchive, queryTerms, type SearchOptions } from './search.ts';
export { verifyArchive } from './verify.ts';
export { runArchiveCommand, ARCHIVE_USAGE, type ArchiveCommandDeps } from './cli.ts';
export { editionHash, MANIFEST_NAME, MANIFEST_FORMAT, type Manifest, type ManifestFile } from './manifest.ts';
export { addPdfaIdentification, inspectPdfa, makePdfa, METHOD_GHOSTSCRIPT, METHOD_PDFLIB, type PdfaCheck, type PdfaRecord } from './pdfa.ts';
export { DB_NAME } from './index-db.ts';
