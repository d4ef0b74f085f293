export { canonicalJson } from './canonical-json';
export { DocumentError, type DocumentProblem, formatPath, type LocatedDocument, parseLocatedDocument } from './located-document';
