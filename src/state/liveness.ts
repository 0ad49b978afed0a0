// Is the process that owns a run still there? Signal 0 checks existence without delivering anything.
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user, so it is alive. ESRCH: gone.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
