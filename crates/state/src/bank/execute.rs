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

/// Takes `amount` from `address`'s balance inside a message, for modules that lock funds (the
/// staking module's bonds). Fails with the bank's own `INSUFFICIENT_FUNDS`, so a user sees the
/// same code whichever module moved the funds.
pub(crate) async fn debit<S: StateStore>(
    state: &mut TxState<'_, S>,
    address: &Address,
    amount: u128,
) -> Result<(), ExecError> {
    let mut account = load(state, address).await?;
    if account.balance < amount {
        return Err(BankError::InsufficientFunds {
            balance: account.balance,
            needed: amount,
        }
        .into_exec());
    }
    account.balance -= amount;
    store(state, address, &account)
}

/// Adds `amount` to `address`'s balance inside a message: funds a module held return to an
/// account (withdrawn stake).
pub(crate) async fn credit<S: StateStore>(
    state: &mut TxState<'_, S>,
    address: &Address,
    amount: u128,
) -> Result<(), ExecError> {
    let mut account = load(state, address).await?;
    account.balance = account
        .balance
        .checked_add(amount)
        .ok_or_else(|| BankError::Overflow.into_exec())?;
    store(state, address, &account)
}

/// Removes `amount` from the total supply: tokens a module held are destroyed (slashed stake).
/// The caller has already taken them out of whatever held them.
pub(crate) async fn burn<S: StateStore>(
    state: &mut TxState<'_, S>,
    amount: u128,
) -> Result<(), ExecError> {
    let supply = match state.get(Bank::NAME, state_key::SUPPLY).await? {
        None => 0,
        Some(bytes) => u128::decode_cfg(Copying(&bytes), &()).map_err(|error| {
            ExecError::Store(crate::StoreError(format!("corrupt supply: {error}")))
        })?,
    };
    let supply = supply.checked_sub(amount).ok_or_else(|| {
        ExecError::Store(crate::StoreError(format!(
            "burning {amount} from a supply of {supply}"
        )))
    })?;
    state.put(Bank::NAME, state_key::SUPPLY, supply.encode().to_vec())
}
