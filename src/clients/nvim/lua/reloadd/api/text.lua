-- editor/call handlers for the text of the current buffer: edits, reading, the cursor, and
-- display columns. Positions are zero-based; `x` counts characters (not bytes) in line `y`.
local M = {}

local api = vim.api

local function integer(value, name)
  if type(value) ~= 'number' or value < 0 or value % 1 ~= 0 then
    error(('%s must be a non-negative whole number, not %s'):format(name, vim.inspect(value)), 0)
  end
  return value
end

local function line_at(y)
  local count = api.nvim_buf_line_count(0)
  if y >= count then
    error(('line %d is past the end of the buffer (%d lines)'):format(y, count), 0)
  end
  return api.nvim_buf_get_lines(0, y, y + 1, true)[1]
end

local function char_count(line)
  return (vim.str_utfindex(line))
end

--- Byte offset of character `x` of `line`, clamped to the line's end.
local function byte_of(line, x)
  if x >= char_count(line) then
    return #line
  end
  return vim.str_byteindex(line, x)
end

--- Character index of byte offset `col` of `line`.
local function char_of(line, col)
  return (vim.str_utfindex(line, math.min(col, #line)))
end

local function split_lines(text)
  if type(text) ~= 'string' then
    error('text must be a string, not ' .. vim.inspect(text), 0)
  end
  return vim.split(text, '\n', true)
end

--- The byte range from character `x` of line `y` over `length` characters, a line break
--- counting as one, as the Red editor counts them. Stops at the end of the buffer.
local function char_range(x, y, length)
  local start_line = line_at(y)
  local start_col = byte_of(start_line, x)
  local remaining = length
  local line, row = start_line, y
  local col_chars = math.min(x, char_count(line))
  local last = api.nvim_buf_line_count(0) - 1
  while true do
    local left = char_count(line) - col_chars
    if remaining <= left then
      return start_col, row, byte_of(line, col_chars + remaining)
    end
    if row == last then
      return start_col, row, #line
    end
    remaining = remaining - left - 1 -- the line break
    row, col_chars = row + 1, 0
    line = line_at(row)
  end
end

function M.insertText(args)
  local x, y = integer(args[1], 'x'), integer(args[2], 'y')
  local col = byte_of(line_at(y), x)
  api.nvim_buf_set_text(0, y, col, y, col, split_lines(args[3]))
end

function M.deleteText(args)
  local x, y, length = integer(args[1], 'x'), integer(args[2], 'y'), integer(args[3], 'length')
  local start_col, end_row, end_col = char_range(x, y, length)
  api.nvim_buf_set_text(0, y, start_col, end_row, end_col, {})
end

function M.replaceText(args)
  local x, y, length = integer(args[1], 'x'), integer(args[2], 'y'), integer(args[3], 'length')
  local lines = split_lines(args[4])
  local start_col, end_row, end_col = char_range(x, y, length)
  api.nvim_buf_set_text(0, y, start_col, end_row, end_col, lines)
end

function M.getBufferText(args)
  local first = args[1] and integer(args[1], 'startLine') or 0
  local last = args[2] and integer(args[2], 'endLine') or -1
  return table.concat(api.nvim_buf_get_lines(0, first, last, false), '\n')
end

function M.getCursorPosition()
  local row, col = unpack(api.nvim_win_get_cursor(0))
  local line = api.nvim_get_current_line()
  return { x = char_of(line, col), y = row - 1 }
end

function M.setCursorPosition(args)
  local x, y = integer(args[1], 'x'), integer(args[2], 'y')
  y = math.min(y, api.nvim_buf_line_count(0) - 1)
  api.nvim_win_set_cursor(0, { y + 1, byte_of(line_at(y), x) })
end

--- Display column (zero-based, tabs and wide characters counted as shown) of character `x`.
local function display_column(line, x)
  return vim.fn.strdisplaywidth(vim.fn.strcharpart(line, 0, x))
end

--- The character that covers display column `column` (the last one if the line is shorter).
local function char_at_column(line, column)
  local count = char_count(line)
  for x = 1, count do
    if display_column(line, x) > column then
      return x - 1
    end
  end
  return count
end

function M.getCursorDisplayColumn()
  return display_column(api.nvim_get_current_line(), M.getCursorPosition().x)
end

function M.setCursorDisplayColumn(args)
  local column, y = integer(args[1], 'column'), integer(args[2], 'y')
  M.setCursorPosition({ char_at_column(line_at(y), column), y })
end

function M.getTextDisplayWidth(args)
  if type(args[1]) ~= 'string' then
    error('text must be a string', 0)
  end
  return vim.fn.strdisplaywidth(args[1])
end

function M.charIndexToDisplayColumn(args)
  local x, y = integer(args[1], 'x'), integer(args[2], 'y')
  return display_column(line_at(y), x)
end

function M.displayColumnToCharIndex(args)
  local column, y = integer(args[1], 'column'), integer(args[2], 'y')
  return char_at_column(line_at(y), column)
end

return M
