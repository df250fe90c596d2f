/** Where `tollgate start` listens unless PORT, --port or HOST say otherwise. */
export const DEFAULT_PORT = 8484;
export const DEFAULT_HOST = '0.0.0.0';
