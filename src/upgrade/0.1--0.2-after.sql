
/*
 * 0.1 -> 0.2: data, after every function exists.
 */
