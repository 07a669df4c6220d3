use super::{Account, Bank, BankError, BankMsg, state_key};
use crate::{ExecError, Module, ModuleError, StateStore, TxContext, TxState};
use ailedger_core::{Address, Event};
use commonware_codec::{Copying, Decode, Encode};

pub(super) async fn execute<S: StateStore>(
    state: &mut TxState<'_, S>,
    ctx: &TxContext<'_>,
    msg: BankMsg,
) -> Result<(), ExecError> {
    match msg {
        BankMsg::Transfer { to, amount } => transfer(state, ctx.sender, &to, amount).await,
    }
}

async fn transfer<S: StateStore>(
    state: &mut TxState<'_, S>,
    from: &Address,
    to: &Address,
    amount: u128,
) -> Result<(), ExecError> {
    let mut sender = load(state, from).await?;
    if sender.balance < amount {
        return Err(BankError::InsufficientFunds {
            balance: sender.balance,
            needed: amount,
        }
        .into_exec());
    }
    if from != to {
        let mut recipient = load(state, to).await?;
        recipient.balance = recipient
            .balance
            .checked_add(amount)
            .ok_or_else(|| BankError::Overflow.into_exec())?;
        sender.balance -= amount;
        store(state, from, &sender)?;
        store(state, to, &recipient)?;
    }
    state.emit(
        Event::new(Bank::NAME, "transfer")
            .with("from", from)
            .with("to", to)
            .with("amount", amount),
    )
}

async fn load<S: StateStore>(
    state: &mut TxState<'_, S>,
    address: &Address,
) -> Result<Account, ExecError> {
    match state.get(Bank::NAME, &state_key::account(address)).await? {
        None => Ok(Account::default()),
        Some(bytes) => Account::decode_cfg(Copying(&bytes), &()).map_err(|error| {
            ExecError::Store(crate::StoreError(format!(
                "corrupt account {address}: {error}"
            )))
        }),
    }
}

fn store<S: StateStore>(
    state: &mut TxState<'_, S>,
    address: &Address,
    account: &Account,
) -> Result<(), ExecError> {
    state.put(
        Bank::NAME,
        &state_key::account(address),
        account.encode().to_vec(),
    )
}
