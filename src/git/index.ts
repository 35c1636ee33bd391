/**
 * The git stage: what a run changed, committed with a message built from its change events
 * (`archive: 12 new, 1 changed, 1 gone (rfi 5, bbc 7, dw 1)`), pushed with retries (a rejected push is
 * rebased onto the remote, never forced); the archive's .gitignore lines; the GitHub Actions workflow of
 * `newsvault init --github-actions`. Uses the git on the machine, with argument arrays. See docs/deploy.md.
 */
export { MAX_BODY_LINES, commitMessage, type CommitMessage } from './message.ts';
export {
  ARCHIVE_PATHS,
  FALLBACK_IDENTITY,
  GitConflictError,
  GitError,
  checkRepository,
  commitArchive,
  currentBranch,
  git,
  pushArchive,
  repositoryRoot,
  type CommitOptions,
  type CommitResult,
  type PushOptions,
  type PushResult,
} from './repo.ts';
export { ARCHIVE_IGNORE, mergeIgnore } from './ignore.ts';
export { WORKFLOW_COMMAND, WORKFLOW_PATH, githubWorkflow, type WorkflowOptions } from './workflow.ts';
