#include "pipe/loss_report.h"

#include <string>

namespace mj {

bool report_losses(const PumpReport& report, const JournalSocket* journal, Diagnostics& diag) {
  for (const StreamReport& s : report.streams) {
    const std::string name = stream_file_name(s.kind);
    if (s.journal.lost_entries > 0)
      diag.report(name + ": " + std::to_string(s.journal.lost_entries) + " journal entries (" +
                  std::to_string(s.journal.lost_bytes) + " bytes) could not be delivered to journald");
    if (s.journal_stream.lost_bytes > 0)
      diag.report(name + ": " + std::to_string(s.journal_stream.lost_bytes) +
                  " bytes could not be written to journald's stream socket before the drain timeout");
    if (s.journal_stream.at_risk_bytes > 0)
      diag.report(name + ": " + std::to_string(s.journal_stream.broken) +
                  " stream connections to journald broke; up to " + std::to_string(s.journal_stream.at_risk_bytes) +
                  " bytes written on them may not have been stored");
    if (s.file.bytes_lost > 0)
      diag.report(name + ": " + std::to_string(s.file.bytes_lost) + " bytes could not be written to the sandbox file");
  }
  if (report.drops.dropped_entries > 0)
    diag.report(std::to_string(report.drops.dropped_entries) + " journal entries (" +
                std::to_string(report.drops.dropped_bytes) + " bytes) were dropped under --overflow drop, in " +
                std::to_string(report.drops.gaps) + " gaps marked in the journal");
  if (report.drops.lost_at_exit > 0)
    diag.report(std::to_string(report.drops.lost_at_exit) +
                " queued journal entries could not be delivered before the drain timeout");
  if (report.unread_bytes > 0)
    diag.report(std::to_string(report.unread_bytes) + " bytes were still unread in the pipes when draining ended");
  bool lost = report.lost_anything();
  // Not checked is not lost: said, but it does not make the exit status.
  if (journal && journal->stats().at_risk_with_journald > 0)
    diag.report("up to " + std::to_string(journal->stats().at_risk_with_journald) +
                " journal entries may have been lost with a journald that died (the journal could not be read back "
                "to check)");
  if (journal && journal->stats().lost_with_journald > 0) {
    diag.report(std::to_string(journal->stats().lost_with_journald) +
                " journal entries were lost with a journald that died and could not be sent again");
    lost = true;
  }
  return lost;
}

}  // namespace mj
