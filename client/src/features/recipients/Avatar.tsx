/** A person's photo, or their initials on a tinted circle when the portal has none. */
export function Avatar({ name, photo, size = 32 }: { name: string; photo?: string | null; size?: number }) {
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('');
  if (photo) return <img className="avatar" src={photo} alt="" width={size} height={size} loading="lazy" referrerPolicy="no-referrer" />;
  return (
    <span className="avatar avatar--initials" aria-hidden="true" style={{ width: size, height: size }}>
      {initials}
    </span>
  );
}
