-- SPDX-License-Identifier: GPL-2.0-or-later
-- The benchmark's peer: the least a Lua dissector can do for IMUP. It reads the
-- 32-bit header (PROTOCOL.md section 2) into four fields and writes the Info
-- column, nothing more: no text, no tracking, no expert info.
local imup = Proto("imuplua", "IMUP (minimal Lua header dissector)")
local f_seq = ProtoField.uint32("imuplua.seq", "Sequence number", base.DEC, nil, 0xFFC00000)
local f_type = ProtoField.uint32("imuplua.type", "Type", base.DEC, nil, 0x003FC000)
local f_length = ProtoField.uint32("imuplua.length", "Length field", base.DEC, nil, 0x00003FF0)
local f_low = ProtoField.uint32("imuplua.low", "Low bits", base.HEX, nil, 0x0000000F)
imup.fields = { f_seq, f_type, f_length, f_low }

function imup.dissector(tvb, pinfo, tree)
    if tvb:len() < 4 then
        return 0
    end
    pinfo.cols.protocol = "IMUP"
    local header = tvb(0, 4)
    local word = header:uint()
    local seq = math.floor(word / 4194304) % 1024
    local msg_type = math.floor(word / 16384) % 256
    pinfo.cols.info = string.format("type %d seq=%d", msg_type, seq)
    local subtree = tree:add(imup, tvb())
    subtree:add(f_seq, header)
    subtree:add(f_type, header)
    subtree:add(f_length, header)
    subtree:add(f_low, header)
    return tvb:len()
end

DissectorTable.get("udp.port"):add(2017, imup)
