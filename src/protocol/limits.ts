/**
 * How deeply a message's params (or a response's result) may nest arrays and objects. Deeper
 * input is refused (-32600) before anything reads it: structured clone and every copy of state
 * between realms recurse, and a plugin's arguments have no business being deeper.
 */
export const MAX_MESSAGE_DEPTH = 256;
